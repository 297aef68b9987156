using JobPlatform.Worker.Extensions;

// A web host only for /health and /alive on the worker's own small port, so probes can reach it.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddWorkerServices();

var app = builder.Build();

app.MapDefaultEndpoints();

return await app.RunServiceAsync();
