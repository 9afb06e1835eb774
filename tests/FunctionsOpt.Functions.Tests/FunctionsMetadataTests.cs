using System.Text.Json.Nodes;
using FunctionsOpt.Orchestration.Api;
using FunctionsOpt.Orchestration.Durable;
using Microsoft.DurableTask;

namespace FunctionsOpt.Functions.Tests;

/// <summary>
/// The Functions host cannot run here, so these tests check what it would read at start: the functions.metadata
/// the worker SDK generated from the built app. Every function must be there with the right trigger, binding
/// direction and route, path or queue; every orchestrator and activity class of the orchestration library (found
/// by reflection) must have its wrapper, so a new activity without one fails here.
/// </summary>
public sealed class FunctionsMetadataTests
{
    private static readonly JsonArray Functions = FunctionsAppOutput.Read("functions.metadata").AsArray();

    public static TheoryData<string, string, string> HttpFunctions => new()
    {
        { "StartOptimization", "post", "optimizations" },
        { "ListOptimizations", "get", "optimizations" },
        { "GetOptimization", "get", "optimizations/{id}" },
        { "CancelOptimization", "post", "optimizations/{id}/cancel" },
        { "GetOptimizationReport", "get", "optimizations/{id}/report" },
    };

    private static JsonObject Function(string name)
    {
        var matches = Functions.Where(f => (string?)f!["name"] == name).ToList();
        return Assert.Single(matches)!.AsObject();
    }

    private static List<JsonObject> Bindings(JsonObject function) => function["bindings"]!.AsArray().Select(b => b!.AsObject()).ToList();

    private static JsonObject Trigger(JsonObject function) =>
        Assert.Single(Bindings(function), b => ((string?)b["type"])!.EndsWith("Trigger", StringComparison.Ordinal));

    private static List<string> NamesWithTrigger(string type) =>
        Functions.Select(f => f!.AsObject()).Where(f => (string?)Trigger(f)["type"] == type).Select(f => (string)f["name"]!).Order(StringComparer.Ordinal).ToList();

    private static List<string> ConcreteTypesOf<T>() =>
        typeof(OptimizationOrchestrator).Assembly.GetExportedTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(T).IsAssignableFrom(t))
            .Select(t => t.Name).Order(StringComparer.Ordinal).ToList();

    [Theory]
    [MemberData(nameof(HttpFunctions))]
    public void HttpFunction_Metadata_HasItsRouteMethodKeyAndHttpResponse(string name, string method, string route)
    {
        var function = Function(name);

        var trigger = Trigger(function);
        Assert.Equal("httpTrigger", (string?)trigger["type"]);
        Assert.Equal("In", (string?)trigger["direction"]);
        Assert.Equal(route, (string?)trigger["route"]);
        Assert.Equal([method], trigger["methods"]!.AsArray().Select(m => (string?)m));
        Assert.Equal("Function", (string?)trigger["authLevel"]);
        var output = Assert.Single(Bindings(function), b => (string?)b["direction"] == "Out");
        Assert.Equal("http", (string?)output["type"]);
        Assert.Equal("$return", (string?)output["name"]);
    }

    [Fact]
    public void HttpRoutes_UnderTheDefaultApiPrefix_AreTheLinksTheApiHandsOut()
    {
        var host = FunctionsAppOutput.Read("host.json");
        Assert.Null(host["extensions"]?["http"]?["routePrefix"]);
        var routes = HttpFunctions.Select(row => "/api/" + (string)row[2]).ToHashSet(StringComparer.Ordinal);
        const string id = "run-0123456789abcdef";
        var links = ApiRoutes.LinksOf(id);

        Assert.Contains(ApiRoutes.Optimizations, routes);
        Assert.All(new[] { links.Status, links.Cancel, links.Report }, link => Assert.Contains(link.Replace(id, "{id}", StringComparison.Ordinal), routes));
    }

    [Fact]
    public void BlobTrigger_Metadata_WatchesModelsOptJsonOnTheHostStorage()
    {
        var trigger = Trigger(Function("SubmitDroppedSpec"));

        Assert.Equal("blobTrigger", (string?)trigger["type"]);
        Assert.Equal("In", (string?)trigger["direction"]);
        Assert.Equal("models/{name}.opt.json", (string?)trigger["path"]);
        Assert.Equal("AzureWebJobsStorage", (string?)trigger["connection"]);
    }

    [Fact]
    public void QueueTrigger_Metadata_ReadsOptimizationRequestsOnTheHostStorage()
    {
        var trigger = Trigger(Function("SubmitQueuedOptimization"));

        Assert.Equal("queueTrigger", (string?)trigger["type"]);
        Assert.Equal("In", (string?)trigger["direction"]);
        Assert.Equal("optimization-requests", (string?)trigger["queueName"]);
        Assert.Equal("AzureWebJobsStorage", (string?)trigger["connection"]);
    }

    [Fact]
    public void TimerTrigger_Metadata_DrainsTheServiceBusRequestsEveryTenSeconds()
    {
        var trigger = Trigger(Function("DrainServiceBusRequests"));

        Assert.Equal("timerTrigger", (string?)trigger["type"]);
        Assert.Equal("In", (string?)trigger["direction"]);
        // NCRONTAB with a seconds field: second 0, 10, 20, ... of every minute.
        Assert.Equal("*/10 * * * * *", (string?)trigger["schedule"]);
    }

    [Fact]
    public void StartingFunctions_All_HaveADurableClientInput()
    {
        var starters = HttpFunctions.Select(row => (string)row[0]).Concat(["SubmitDroppedSpec", "SubmitQueuedOptimization", "DrainServiceBusRequests"]);

        Assert.All(starters, name =>
        {
            var client = Assert.Single(Bindings(Function(name)), b => (string?)b["type"] == "durableClient");
            Assert.Equal("In", (string?)client["direction"]);
        });
    }

    [Fact]
    public void Orchestrators_EveryTaskOrchestratorClass_HasAnOrchestrationTriggerFunctionOfItsName()
    {
        var expected = ConcreteTypesOf<ITaskOrchestrator>();

        Assert.Equal(["OptimizationOrchestrator"], expected);
        Assert.Equal(expected, NamesWithTrigger("orchestrationTrigger"));
        Assert.All(expected, name => Assert.Equal("In", (string?)Trigger(Function(name))["direction"]));
    }

    [Fact]
    public void Activities_EveryTaskActivityClass_HasAnActivityTriggerFunctionOfItsName()
    {
        var expected = ConcreteTypesOf<ITaskActivity>();

        Assert.Equal(8, expected.Count);
        Assert.Equal(expected, NamesWithTrigger("activityTrigger"));
        Assert.All(expected, name => Assert.Equal("In", (string?)Trigger(Function(name))["direction"]));
    }

    [Fact]
    public void Functions_All_AreTheApiTheThreeIntakesAndTheDurableWrappersWithNothingElse()
    {
        var expected = HttpFunctions.Select(row => (string)row[0])
            .Concat(["SubmitDroppedSpec", "SubmitQueuedOptimization", "DrainServiceBusRequests"])
            .Concat(ConcreteTypesOf<ITaskOrchestrator>())
            .Concat(ConcreteTypesOf<ITaskActivity>())
            .Order(StringComparer.Ordinal);

        var actual = Functions.Select(f => (string)f!["name"]!).Order(StringComparer.Ordinal);

        Assert.Equal(expected, actual);
        Assert.All(Functions, f => Assert.Equal("FunctionsOpt.Functions.dll", (string?)f!["scriptFile"]));
    }
}
