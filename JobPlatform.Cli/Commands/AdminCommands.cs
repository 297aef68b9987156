using System.CommandLine;
using JobPlatform.Contracts;

namespace JobPlatform.Cli.Commands;

/// <summary>jp tenants and jp keys, with the administrator's key; and jp login.</summary>
public static class AdminCommands
{
    public static Command Tenants()
    {
        var json = Globals.Json();
        var command = new Command("tenants", "List tenants with their limits (administrator's key).") { json };
        command.SetApiAction(async (parse, client, output, ct) =>
        {
            output.WriteList(await client.ListTenantsAsync(ct), ["ID", "NAME", "RATE/MIN", "RUNNING", "UNFINISHED", "SCHEDULES", "CREATED"],
                t => [t.Id, t.Name, $"{t.Limits.RateLimitPerMinute}", $"{t.Limits.MaxRunningTasks}", $"{t.Limits.MaxUnfinishedTasks}", $"{t.Limits.MaxSchedules}", JobCommands.Time(t.CreatedAt)]);
            return ExitCodes.Done;
        }, admin: true);

        var id = new Argument<string>("id") { Description = "The tenant's id: 2 to 40 lowercase letters, digits and hyphens, starting with a letter." };
        var name = new Option<string?>("--name") { Description = "A label for people. Defaults to the id." };
        var createJson = Globals.Json();
        var create = new Command("create", "Create a tenant (administrator's key); issue it a key with jp keys create.") { id, name, createJson };
        create.SetApiAction(async (parse, client, output, ct) =>
        {
            var tenant = await client.CreateTenantAsync(new CreateTenantRequest(parse.GetValue(id), parse.GetValue(name)), ct);
            output.WriteValue(tenant, $"Created tenant {tenant.Id}.");
            return ExitCodes.Done;
        }, admin: true);
        command.Subcommands.Add(create);
        return command;
    }

    public static Command Keys()
    {
        var command = new Command("keys", "A tenant's API keys (administrator's key).");

        var tenant = new Argument<string>("tenant") { Description = "The tenant's id." };
        var json = Globals.Json();
        var list = new Command("list", "List a tenant's keys, without their secrets.") { tenant, json };
        list.SetApiAction(async (parse, client, output, ct) =>
        {
            output.WriteList(await client.ListKeysAsync(parse.GetValue(tenant)!, ct), ["ID", "NAME", "PREFIX", "CREATED", "REVOKED"],
                k => [k.Id.ToString(), k.Name, k.Prefix, JobCommands.Time(k.CreatedAt), k.RevokedAt is { } at ? JobCommands.Time(at) : ""]);
            return ExitCodes.Done;
        }, admin: true);

        var createTenant = new Argument<string>("tenant") { Description = "The tenant's id." };
        var name = new Option<string?>("--name") { Description = "A label, such as where the key is used." };
        var createJson = Globals.Json();
        var create = new Command("create", "Issue a key; its secret is printed this once.") { createTenant, name, createJson };
        create.SetApiAction(async (parse, client, output, ct) =>
        {
            var key = await client.CreateKeyAsync(parse.GetValue(createTenant)!, parse.GetValue(name), ct);
            output.WriteValue(key, key.Key);
            return ExitCodes.Done;
        }, admin: true);

        var revokeTenant = new Argument<string>("tenant") { Description = "The tenant's id." };
        var keyId = new Argument<Guid>("key") { Description = "The key's id (jp keys list shows it)." };
        var revoke = new Command("revoke", "Revoke a key: calls with it, and with tokens it got, are refused from then on.") { revokeTenant, keyId };
        revoke.SetApiAction(async (parse, client, output, ct) =>
        {
            await client.RevokeKeyAsync(parse.GetValue(revokeTenant)!, parse.GetValue(keyId), ct);
            output.WriteLine($"Revoked key {parse.GetValue(keyId)}.");
            return ExitCodes.Done;
        }, admin: true);

        command.Subcommands.Add(list);
        command.Subcommands.Add(create);
        command.Subcommands.Add(revoke);
        return command;
    }

    public static Command Login()
    {
        var command = new Command("login", $"Check a key against the Api and save both, with --url, as the profile later commands use ({Profile.FilePath}).");
        command.SetApiAction(async (parse, client, output, ct) =>
        {
            if (parse.GetValue(Globals.Key) is not { } key || parse.GetValue(Globals.Url) is not { } url)
            {
                throw new UsageException("Give both --url and --key to log in.");
            }
            var me = await client.GetMyTenantAsync(ct);
            new Profile(url, key).Write();
            output.WriteLine($"Logged in to {url} as tenant {me.Id}; saved to {Profile.FilePath}.");
            return ExitCodes.Done;
        });
        return command;
    }
}
