using System.Diagnostics;
using FunctionsOpt.Core.Data;
using FunctionsOpt.Core.Evaluation;
using FunctionsOpt.Core.Evaluation.Metrics;

namespace FunctionsOpt.Core.Timing;

/// <summary>
/// The one measurement protocol. Every model (the reference first) gets a session with its own settings and fixed
/// inputs; after warm-up, the models are timed in rounds: each round visits every model once, in an order shuffled
/// per round from the seed, and a visit is one untimed call (it lets the previous model's spinning threads settle)
/// then a block of calls lasting about <see cref="TimingProtocolOptions.BlockMilliseconds"/>. A round's value per
/// model is the median of its block. Reported intervals are at least ±<see cref="TimingProtocolOptions.IntervalFloor"/> wide. Rounds go on until every candidate's ratio interval
/// (<see cref="PairedBootstrap"/>) is within <see cref="TimingProtocolOptions.TargetHalfWidth"/>, or a cap is hit.
/// Calls are strictly sequential, so no two sessions run at once in this timer; callers keep other timers off the
/// machine with <see cref="Optimization.MeasurementGate"/>. Not thread-safe per call; the type is stateless.
/// </summary>
public sealed class InterleavedTimer(InferenceSessionFactory sessions)
{
    /// <summary>Times <paramref name="models"/> interleaved; the first is the reference every ratio is taken to.</summary>
    /// <param name="models">Reference first; keys must be distinct.</param>
    /// <param name="data">Rows to feed (cycled up to the batch size); null for seeded synthetic inputs.</param>
    /// <param name="options">The protocol's knobs.</param>
    /// <param name="cancellationToken">Stops between calls.</param>
    public InterleavedTiming Measure(IReadOnlyList<TimedModel> models, EvaluationDataset? data, TimingProtocolOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfZero(models.Count, nameof(models));
        if (models.Select(m => m.Key).Distinct(StringComparer.Ordinal).Count() != models.Count)
        {
            throw new ArgumentException("Timed models need distinct keys.", nameof(models));
        }

        var handles = new List<SessionHandle>();
        var loops = new List<ModelRunLoop>();
        try
        {
            foreach (var model in models)
            {
                var handle = sessions.Create(model.ModelPath, model.Settings);
                handles.Add(handle);
                var inputs = ProfileInputs.Build(handle.Session, model.BatchSize, data, unchecked((int)options.Seed));
                loops.Add(new ModelRunLoop(handle.Session, inputs, model.Settings.UseIoBinding));
            }

            return Run(models, handles, loops, options, cancellationToken);
        }
        finally
        {
            foreach (var loop in loops)
            {
                loop.Dispose();
            }

            foreach (var handle in handles)
            {
                handle.Dispose();
            }
        }
    }

    private static InterleavedTiming Run(
        IReadOnlyList<TimedModel> models, List<SessionHandle> handles, List<ModelRunLoop> loops, TimingProtocolOptions options, CancellationToken cancellationToken)
    {
        var n = models.Count;
        var blockSizes = new int[n];
        for (var m = 0; m < n; m++)
        {
            for (var i = 0; i < options.WarmupRuns; i++)
            {
                loops[m].Run();
            }

            blockSizes[m] = BlockSize(loops[m], options);
        }

        var runs = Enumerable.Range(0, n).Select(_ => new List<double>()).ToArray();
        var medians = Enumerable.Range(0, n).Select(_ => new List<double>()).ToArray();
        var p95s = Enumerable.Range(0, n).Select(_ => new List<double>()).ToArray();
        var order = Enumerable.Range(0, n).ToArray();
        var random = new SplitMix64(unchecked((ulong)options.Seed) ^ 0xD1B54A32D192ED03UL);
        var clock = Stopwatch.StartNew();
        var nextCheck = options.MinRounds;
        var stoppedBy = "max-rounds";
        var rounds = 0;
        while (rounds < options.MaxRounds)
        {
            random.Shuffle(order);
            foreach (var m in order)
            {
                cancellationToken.ThrowIfCancellationRequested();
                TimeBlock(loops[m], blockSizes[m], runs[m], medians[m], p95s[m]);
            }

            rounds++;
            if (rounds >= options.MinRounds && clock.Elapsed.TotalSeconds >= options.MaxSeconds)
            {
                stoppedBy = "time-cap";
                break;
            }

            if (rounds >= nextCheck)
            {
                // Bootstrapping every round would cost more than timing a tiny model; check on a geometric schedule.
                nextCheck = rounds + Math.Max(1, rounds / 5);
                if (n == 1 || Enumerable.Range(1, n - 1).All(m => Estimate(medians[m], medians[0], options).RelativeHalfWidth <= options.TargetHalfWidth))
                {
                    stoppedBy = "target";
                    break;
                }
            }
        }

        var seconds = clock.Elapsed.TotalSeconds;
        var timings = Enumerable.Range(0, n).Select(m => Summarize(models[m], handles[m], loops[m], blockSizes[m], runs[m], medians[m], p95s[m], m == 0 ? null : (medians[0], p95s[0]), options)).ToArray();
        return new InterleavedTiming { Models = timings, Rounds = rounds, Seconds = seconds, StoppedBy = stoppedBy };
    }

    private static int BlockSize(ModelRunLoop loop, TimingProtocolOptions options)
    {
        var t0 = Stopwatch.GetTimestamp();
        loop.Run();
        var ms = Math.Max(LatencySummary.ElapsedMs(t0), 1e-4);
        return (int)Math.Clamp(Math.Ceiling(options.BlockMilliseconds / ms), 1, options.MaxRunsPerBlock);
    }

    private static void TimeBlock(ModelRunLoop loop, int size, List<double> runs, List<double> medians, List<double> p95s)
    {
        loop.Run();
        var block = new double[size];
        for (var i = 0; i < size; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            loop.Run();
            block[i] = LatencySummary.ElapsedMs(t0);
        }

        runs.AddRange(block);
        var q = Percentiles.Compute(block, [50, 95]);
        medians.Add(q[0]);
        p95s.Add(q[1]);
    }

    private static SpeedupEstimate Estimate(List<double> candidate, List<double> reference, TimingProtocolOptions options) =>
        PairedBootstrap.RatioOfMedians(candidate, reference, options.BootstrapResamples, options.Confidence, options.Seed);

    private static SpeedupEstimate Reported(List<double> candidate, List<double> reference, TimingProtocolOptions options)
    {
        var e = Estimate(candidate, reference, options);
        return e with { Low = Math.Min(e.Low, e.Ratio * (1 - options.IntervalFloor)), High = Math.Max(e.High, e.Ratio * (1 + options.IntervalFloor)) };
    }

    private static ModelTiming Summarize(
        TimedModel model, SessionHandle handle, ModelRunLoop loop, int blockSize, List<double> runs, List<double> medians, List<double> p95s,
        (List<double> Medians, List<double> P95s)? reference, TimingProtocolOptions options)
    {
        var paired = reference is { } r && medians.Count >= 2;
        return new ModelTiming
        {
            Key = model.Key,
            BatchSize = model.BatchSize,
            Provider = handle.ToRecord(),
            IntraOpThreads = model.Settings.IntraOpThreads,
            Latency = LatencySummary.Of(model.BatchSize, runs),
            RunsPerBlock = blockSize,
            IoBinding = loop.IoBound,
            RoundMedians = medians,
            RoundP95s = p95s,
            P50VsReference = paired ? Reported(medians, reference!.Value.Medians, options) : null,
            P95VsReference = paired ? Reported(p95s, reference!.Value.P95s, options) : null,
        };
    }
}
