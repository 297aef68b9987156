using WordCount;
using JobPlatform.Worker.Sdk;

// A worker pool of its own: it runs the word-count types on the "text" queue, and only those. The
// platform never sends it the demo types, and never sends these to the demo workers.
var builder = WebApplication.CreateBuilder(args);

// http://api, the Api's address, resolves by service discovery under the AppHost and by DNS in a cluster.
builder.Services.AddServiceDiscovery();
builder.Services.ConfigureHttpClientDefaults(http => http.AddServiceDiscovery());
builder.Services.AddOptions<WordCountOptions>().BindConfiguration(WordCountOptions.SectionName);
builder.AddJobPlatformWorker()
    .AddTaskHandler<WordCountHandler>(WordCountHandler.Type, o =>
    {
        o.Description = "Counts the words of one text file (its path under the worker's WordCount:Root) and digests it with SHA-256.";
        o.Queue = WordCountHandler.Queue;
        o.NonRetryable<FileNotFoundException>();
    })
    .AddTaskHandler<WordCountReduceHandler>(WordCountReduceHandler.Type, o =>
    {
        o.Description = "Adds up the word counts of a word-count job's results (GET /jobs/{id}/results) into one top list.";
        o.Queue = WordCountHandler.Queue;
    });

var app = builder.Build();
// Readiness (the worker's SQS and registration checks) and liveness, for the AppHost and a cluster's probes.
app.MapHealthChecks("/health");
app.MapHealthChecks("/alive", new() { Predicate = _ => false });
app.Run();
