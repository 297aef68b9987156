using JobPlatform.Api.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace JobPlatform.Api.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without starting the Api.</summary>
internal sealed class DesignTimeJobsDbContextFactory : IDesignTimeDbContextFactory<JobsDbContext>
{
    public JobsDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<JobsDbContext>()
            .UseNpgsql("Host=localhost;Database=jobsdb")
            .UseSnakeCaseNamingConvention()
            .Options,
            new CurrentTenant(new HttpContextAccessor()));
}
