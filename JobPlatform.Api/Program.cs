using JobPlatform.Api.Apis;
using JobPlatform.Api.Extensions;
using JobPlatform.Api.Services;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();

app.MapDefaultEndpoints();
app.MapOpenApi();
app.MapJobsApi();
app.MapTasksApi();
app.MapWorkerApi();

await app.MigrateDatabaseAsync();
await app.RunAsync();
