using JobPlatform.Contracts;
using JobPlatform.Worker.Handlers;
using JobPlatform.Worker.Sdk;

// A worker built on JobPlatform.Worker.Sdk, as a team builds its own: the demo task types' handlers.
// The web host serves only /health, /alive and /metrics on the worker's own small port, for probes.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddJobPlatformWorker()
    .AddTaskHandler<NoopHandler>(TaskTypes.Noop, o => o.Description = "Does nothing. Measures the platform itself.")
    .AddTaskHandler<EchoHandler>(TaskTypes.Echo, o => o.Description = "Returns its input (the job's parameters and the task's own fields) as the task's result.")
    .AddTaskHandler<SleepHandler>(TaskTypes.Sleep, o => o.Description = "Waits, without using the CPU: an I/O-bound task.")
    .AddTaskHandler<CpuHandler>(TaskTypes.Cpu, o => o.Description = "Hashes a buffer with SHA-256 over and over: a CPU-bound task.")
    .AddTaskHandler<MatrixHandler>(TaskTypes.Matrix, o => o.Description = "Multiplies two random N x N matrices and reports a checksum.")
    .AddTaskHandler<FailHandler>(TaskTypes.Fail, o => o.Description = "Fails on purpose: with a probability, or on the given attempts. For demos and tests.")
    .AddTaskHandler<CrashHandler>(TaskTypes.Crash, o => o.Description =
        "Kills the worker process that runs it, the way a poison task would. Only workers with Worker:AllowCrashTasks run it (the AppHost's do); others fail it for good.")
    .AddTaskHandler<DigestHandler>(DigestHandler.Type, o =>
    {
        o.Description = "Digests each task's own text with SHA-256: a type only this worker's registration defines.";
        o.MaxAttempts = 2;
    });
builder.Services.AddOptions<CrashTaskOptions>().BindConfiguration(CrashTaskOptions.SectionName);

var app = builder.Build();

app.MapDefaultEndpoints();

return await app.RunServiceAsync();
