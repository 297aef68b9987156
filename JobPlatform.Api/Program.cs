using JobPlatform.Api.Apis;
using JobPlatform.Api.Extensions;
using JobPlatform.Api.Services;
using Scalar.AspNetCore;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();

app.MapDefaultEndpoints();
app.MapOpenApi();
app.MapScalarApiReference();
app.MapJobsApi();
app.MapTasksApi();
app.MapWorkerApi();
app.MapWorkersApi();
app.MapTaskTypesApi();
app.MapEventsApi();

await app.MigrateDatabaseAsync();
await app.RunAsync();
