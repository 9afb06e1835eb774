using FunctionsOpt.CnnTrainer;

try
{
    if (args is ["--help"] or ["-h"])
    {
        Console.WriteLine(TrainerOptions.Usage);
        return 0;
    }

    if (args is ["--self-test"])
    {
        return TrainingRun.SelfTest(Console.Out) ? 0 : 1;
    }

    var options = TrainerOptions.Parse(args);
    TrainingRun.Execute(options, Console.Out);
    return 0;
}
catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}
catch (Exception ex)
{
    Console.Error.WriteLine($"FAILED: {ex}");
    return 1;
}
