using System.Security.Cryptography;
using System.Text;
using FunctionsOpt.Orchestration.Contracts;

namespace FunctionsOpt.Orchestration.Tests.Contracts;

public sealed class RunIdentityTests : IDisposable
{
    private static readonly string Samples = Path.Combine(AppContext.BaseDirectory, "samples");
    private readonly string _folder = Directory.CreateTempSubdirectory("fopt-identity-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private OptimizationSpec Spec() => new()
    {
        Model = new ModelReference { Path = Path.Combine(_folder, "model.onnx") },
        Dataset = new DatasetReference { Path = Path.Combine(_folder, "eval.csv"), LabelColumn = "species", Input = "features" },
    };

    private void Place(string model, string data)
    {
        File.Copy(model, Path.Combine(_folder, "model.onnx"), overwrite: true);
        File.Copy(data, Path.Combine(_folder, "eval.csv"), overwrite: true);
    }

    [Fact]
    public async Task ContentHashAsync_LocalFiles_IsSha256OverTheFilesHashes()
    {
        Place(Path.Combine(Samples, "penguins", "model.onnx"), Path.Combine(Samples, "penguins", "eval.csv"));
        static string Sha(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
        var expected = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            "model:" + Sha(Path.Combine(_folder, "model.onnx")) + "\ndata:" + Sha(Path.Combine(_folder, "eval.csv")))));

        Assert.Equal(expected, await RunIdentity.ContentHashAsync(Spec(), store: null));
    }

    [Fact]
    public async Task RunIdOfAsync_ModelReplacedUnderTheSamePath_NewRunId()
    {
        Place(Path.Combine(Samples, "penguins", "model.onnx"), Path.Combine(Samples, "penguins", "eval.csv"));
        var first = await RunIdentity.RunIdOfAsync(Spec(), store: null);
        var again = await RunIdentity.RunIdOfAsync(Spec(), store: null);
        Place(Path.Combine(Samples, "shapes-cnn", "model.onnx"), Path.Combine(Samples, "penguins", "eval.csv"));
        var retrained = await RunIdentity.RunIdOfAsync(Spec(), store: null);

        Assert.Equal(first, again);
        Assert.NotEqual(first, retrained);
        Assert.NotEqual(SpecHash.RunIdOf(Spec()), first);
    }

    [Fact]
    public async Task RunIdOfAsync_DataChangedUnderTheSamePath_NewRunId()
    {
        Place(Path.Combine(Samples, "penguins", "model.onnx"), Path.Combine(Samples, "penguins", "eval.csv"));
        var first = await RunIdentity.RunIdOfAsync(Spec(), store: null);
        File.AppendAllText(Path.Combine(_folder, "eval.csv"), "\n");

        Assert.NotEqual(first, await RunIdentity.RunIdOfAsync(Spec(), store: null));
    }

    [Fact]
    public void RunIdOf_SaltOrCatalogueVersion_ChangeTheId()
    {
        var spec = Spec();
        var content = new string('a', 64);
        var expected = "run-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            SpecHash.Compute(spec) + "\n" + content + "\n" + RunIdentity.PassCatalogueVersion + "\n")))[..16];

        Assert.Equal(expected, RunIdentity.RunIdOf(spec, content));
        Assert.NotEqual(RunIdentity.RunIdOf(spec, content), RunIdentity.RunIdOf(spec, content, salt: "forced"));
    }
}
