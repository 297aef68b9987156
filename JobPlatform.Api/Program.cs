using JobPlatform.Api.Apis;
using JobPlatform.Api.Extensions;
using JobPlatform.Api.Identity;
using JobPlatform.Api.Services;
using Microsoft.AspNetCore.Diagnostics;
using Scalar.AspNetCore;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

// Outside Development, a credential still holding a value published in this repository is no secret.
if (app.RefusesDevelopmentCredentials())
{
    // Disposed, so the log says why before the process ends.
    await app.DisposeAsync();
    return 1;
}

// Exceptions a handler turned into a 400 or 503 are answers, not errors to log as unhandled.
app.UseExceptionHandler(new ExceptionHandlerOptions
{
    SuppressDiagnosticsCallback = context => context.ExceptionHandledBy == ExceptionHandledType.ExceptionHandlerService,
});
app.UseStatusCodePages();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();

app.MapDefaultEndpoints();
app.MapOpenApi().AllowAnonymous();
app.MapScalarApiReference().AllowAnonymous();
app.MapAuthApi();
app.MapTenantsApi();
app.MapJobsApi();
app.MapTasksApi();
app.MapWorkerApi();
app.MapWorkersApi();
app.MapTaskTypesApi();
app.MapSchedulesApi();
app.MapEventsApi();

await app.MigrateDatabaseAsync();
if (args.Contains(DatabaseMigrator.MigrateOnlyArgument))
{
    // A Kubernetes migration Job runs the Api's image this way, once per rollout.
    return 0;
}
return await app.RunServiceAsync();
