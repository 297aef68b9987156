namespace JobPlatform.Api.Domain;

/// <summary>Until authentication arrives every request acts as this one tenant.</summary>
public static class Tenants
{
    public const string Default = "default";
}
