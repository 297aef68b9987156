using JobPlatform.Worker.Sdk;
using JobPlatform.Worker.Sdk.Pipeline;

namespace JobPlatform.Tests.Worker.Sdk;

/// <summary>How a failed attempt is reported: its error, and whether the task is retried.</summary>
public sealed class AttemptFailureTests
{
    private static readonly TaskHandlerOptions NoOptions = new();

    [Fact]
    public void AnyException_IsRetried_WithItsTypeAndMessage()
    {
        var (error, retryable) = AttemptFailure.Describe(new InvalidOperationException("boom"), NoOptions, timeout: null, timedOut: false, leaseLost: false);

        Assert.Equal("InvalidOperationException: boom", error);
        Assert.True(retryable);
    }

    [Fact]
    public void NonRetryableTaskException_FailsTheTaskForGood_WithItsMessageAlone()
    {
        var (error, retryable) = AttemptFailure.Describe(new NonRetryableTaskException("bad input"), NoOptions, null, false, false);

        Assert.Equal("bad input", error);
        Assert.False(retryable);
    }

    [Fact]
    public void AnExceptionTheRegistrationNames_OrOneDerivedFromIt_FailsTheTaskForGood()
    {
        var options = new TaskHandlerOptions().NonRetryable<ArgumentException>();

        var (error, retryable) = AttemptFailure.Describe(new ArgumentNullException("width", "is missing"), options, null, false, false);
        var (_, other) = AttemptFailure.Describe(new FormatException("no"), options, null, false, false);

        Assert.Equal("ArgumentNullException: is missing (Parameter 'width')", error);
        Assert.False(retryable);
        Assert.True(other);
    }

    [Fact]
    public void AnExceptionNamedByAnotherTypesRegistration_IsStillRetried()
    {
        // Each type's options are its own: without them (no handler), nothing but NonRetryableTaskException fails for good.
        Assert.True(AttemptFailure.Describe(new ArgumentException("x"), handler: null, null, false, false).Retryable);
    }

    [Fact]
    public void TheWorkersOwnCancellations_AreRetried_WhateverTheRegistrationNames()
    {
        var options = new TaskHandlerOptions().NonRetryable<OperationCanceledException>();

        var timedOut = AttemptFailure.Describe(new TaskCanceledException(), options, TimeSpan.FromSeconds(1.5), timedOut: true, leaseLost: true);
        var lost = AttemptFailure.Describe(new OperationCanceledException(), options, null, timedOut: false, leaseLost: true);

        Assert.Equal(("The attempt timed out after 1.5 s.", true), timedOut);
        Assert.Equal(("The attempt lost its lease and was stopped.", true), lost);
        // A cancellation of the handler's own making is the handler's failure.
        Assert.False(AttemptFailure.Describe(new OperationCanceledException(), options, null, false, false).Retryable);
    }
}
