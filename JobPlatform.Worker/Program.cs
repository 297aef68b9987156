using JobPlatform.Contracts;
using JobPlatform.Worker.Handlers;
using JobPlatform.Worker.Sdk;

// A worker built on JobPlatform.Worker.Sdk, as a team builds its own: the demo task types' handlers.
// The web host serves only /health, /alive and /metrics on the worker's own small port, for probes.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddJobPlatformWorker()
    .AddTaskHandler<NoopHandler>(TaskTypes.Noop)
    .AddTaskHandler<EchoHandler>(TaskTypes.Echo)
    .AddTaskHandler<SleepHandler>(TaskTypes.Sleep)
    .AddTaskHandler<CpuHandler>(TaskTypes.Cpu)
    .AddTaskHandler<MatrixHandler>(TaskTypes.Matrix)
    .AddTaskHandler<FailHandler>(TaskTypes.Fail)
    .AddTaskHandler<CrashHandler>(TaskTypes.Crash);
builder.Services.AddOptions<CrashTaskOptions>().BindConfiguration(CrashTaskOptions.SectionName);

var app = builder.Build();

app.MapDefaultEndpoints();

return await app.RunServiceAsync();
