using Npgsql;

namespace JobPlatform.Tests.Api;

/// <summary>The Api's PostgreSQL connection defaults, and that a connection string's own say wins.</summary>
public sealed class ConnectionDefaultsTests
{
    [Fact]
    public void Defaults_TurnJitOff_AndSkipThePoolReset()
    {
        var result = new NpgsqlConnectionStringBuilder(JobPlatform.Api.Extensions.Extensions.WithDefaults("Host=db;Database=jobsdb;Password=reset-me"));
        Assert.Equal("-c jit=off", result.Options);
        Assert.True(result.NoResetOnClose);
        Assert.Equal("reset-me", result.Password);
    }

    [Theory]
    [InlineData("Host=db;Options=-c jit=on;No Reset On Close=false", "-c jit=on", false)]
    [InlineData("Host=db;Options=-c statement_timeout=5s;NoResetOnClose=false", "-c statement_timeout=5s -c jit=off", false)]
    public void WhatTheStringSays_Wins(string given, string options, bool noReset)
    {
        var result = new NpgsqlConnectionStringBuilder(JobPlatform.Api.Extensions.Extensions.WithDefaults(given));
        Assert.Equal((options, noReset), (result.Options, result.NoResetOnClose));
    }
}
