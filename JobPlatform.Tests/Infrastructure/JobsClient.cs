using System.Net.Http.Json;
using System.Text.Json;
using JobPlatform.Contracts;

namespace JobPlatform.Tests.Infrastructure;

/// <summary>Small helpers for driving the Api the way a client would.</summary>
public static class JobsClient
{
    public static JsonSerializerOptions Json { get; } = JsonSerializerOptions.Web;

    public static async Task<HttpResponseMessage> PostJobAsync(this HttpClient api, object body, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/jobs") { Content = JsonContent.Create(body, options: Json) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }
        return await api.SendAsync(request);
    }

    public static async Task<JobResponse> SubmitAsync(this HttpClient api, object body)
    {
        using var response = await api.PostJobAsync(body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, $"Expected 201, got {(int)response.StatusCode}: {text}");
        return JsonSerializer.Deserialize<JobResponse>(text, Json)!;
    }

    public static async Task<JobResponse> GetJobAsync(this HttpClient api, Guid id) =>
        (await api.GetFromJsonAsync<JobResponse>($"/api/v1/jobs/{id}", Json))!;

    public static Task<JobResponse> WaitForJobAsync(this HttpClient api, Guid id, Func<JobResponse, bool> done, TimeSpan? timeout = null) =>
        Eventually.Until(() => api.GetJobAsync(id), done, timeout ?? TimeSpan.FromSeconds(90),
            job => job is null ? "no answer" : $"job {id} is {job.Status} with {JsonSerializer.Serialize(job.Counts, Json)}");

    public static Task<JobResponse> WaitForFinalAsync(this HttpClient api, Guid id, TimeSpan? timeout = null) =>
        api.WaitForJobAsync(id, job => JobStatus.Final.Contains(job.Status), timeout);
}
