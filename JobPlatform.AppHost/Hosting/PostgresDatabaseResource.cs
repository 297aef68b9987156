using Npgsql;

namespace JobPlatform.AppHost.Hosting;

/// <summary>A database on a <see cref="PostgresServerResource"/>, created when missing. Referencing it passes <c>ConnectionStrings__{name}</c>.</summary>
public sealed class PostgresDatabaseResource(string name, PostgresServerResource server) : Resource(name)
{
    public PostgresServerResource Server { get; } = server;

    public string ConnectionString => Server.ConnectionString(Name);

    public override string? DisplayUrl => $"{Server.DisplayUrl}/{Name}";

    internal override Resource Runnable => Server;

    internal override IEnumerable<KeyValuePair<string, string>> GetReferenceEnvironment() =>
        [new($"ConnectionStrings__{Name}", ConnectionString)];

    /// <summary>The Secret that holds the database's connection string in a cluster; a real deployment creates it itself.</summary>
    public string ConnectionSecretName => $"{Name}-connection";

    /// <summary>The connection string a cluster's pods use: the server's Service, the server's Secret password.</summary>
    internal string ClusterConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = Server.Name,
        Port = PostgresServerResource.ContainerPort,
        Database = Name,
        Username = UnixUser.PostgresUser,
        Password = PostgresServerResource.DevelopmentPassword,
    }.ConnectionString;

    internal override IEnumerable<DeploymentVariable> GetDeploymentReferenceEnvironment() =>
        [DeploymentVariable.FromSecret($"ConnectionStrings__{Name}", new SecretKey(ConnectionSecretName, $"ConnectionStrings__{Name}", ClusterConnectionString))];

    internal async Task EnsureCreatedAsync(AppHostContext context, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(Server.ConnectionString("postgres"));
        await connection.OpenAsync(ct);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", Name);
        if (await exists.ExecuteScalarAsync(ct) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{Name}\"", connection);
            await create.ExecuteNonQueryAsync(ct);
            context.Log.Info(Server.Name, $"created database {Name}");
        }
        State = ResourceState.Running;
    }

    internal override Task StartAsync(AppHostContext context, CancellationToken ct) => Task.CompletedTask;

    internal override Task StopAsync() => Task.CompletedTask;
}
