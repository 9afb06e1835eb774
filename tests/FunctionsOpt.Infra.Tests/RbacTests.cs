using FunctionsOpt.Infra.Tests.TestKit;

namespace FunctionsOpt.Infra.Tests;

/// <summary>All role assignments live in infra/app/rbac.bicep and cover the roles the apps and the user need.</summary>
public sealed class RbacTests
{
    private const string RoleAssignmentType = "Microsoft.Authorization/roleAssignments";
    private const string RbacFile = "infra/app/rbac.bicep";

    [Fact]
    public void RoleAssignments_InBicepSources_AppearOnlyInRbac()
    {
        var holders = Repository.BicepFiles()
            .Where(f => Repository.ReadText(f).Contains(RoleAssignmentType, StringComparison.OrdinalIgnoreCase))
            .ToList();

        Assert.Equal([RbacFile], holders);
    }

    [Fact]
    public async Task RoleAssignments_InCompiledMain_AreAllInsideTheRbacDeployment()
    {
        var main = await BicepCli.BuildRepositoryFileAsync("infra/main.bicep");

        var assignments = CompiledTemplate.AllResources(main.Template)
            .Where(r => string.Equals((string?)r.Resource["type"], RoleAssignmentType, StringComparison.OrdinalIgnoreCase))
            .ToList();

        Assert.Equal(4, assignments.Count); // storage, Service Bus, App Insights, registry loops
        Assert.All(assignments, a => Assert.Equal("rbac", a.DeploymentPath));
    }

    [Theory]
    [InlineData("b7e6dc6d-f1e8-4753-8033-0f276bb0955b", "Storage Blob Data Owner")]
    [InlineData("974c5e8b-45b9-4653-ba55-5f855dd0fb88", "Storage Queue Data Contributor")]
    [InlineData("0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", "Storage Table Data Contributor")]
    [InlineData("090c5cfd-751d-490a-894a-3ce6f1109419", "Azure Service Bus Data Owner")]
    [InlineData("3913510d-42f4-4e42-8a64-420c390055eb", "Monitoring Metrics Publisher")]
    [InlineData("7f951dda-4ed3-4680-a7ca-43fe172d538d", "AcrPull")]
    [InlineData("8311e382-0749-4cb8-b61a-304f252e45ec", "AcrPush")]
    public void Rbac_BuiltInRole_IsGranted(string roleDefinitionId, string roleName)
    {
        Assert.True(Repository.ReadText(RbacFile).Contains($"'{roleDefinitionId}'", StringComparison.OrdinalIgnoreCase),
            $"rbac.bicep does not grant {roleName} ({roleDefinitionId}).");
    }

    [Fact]
    public async Task Rbac_DeployingUser_IsGrantedWithItsPrincipalType()
    {
        var rbac = (await BicepCli.BuildRepositoryFileAsync(RbacFile)).Template;
        var principalType = rbac["parameters"]!["principalType"]!;
        var main = Repository.ReadText("infra/main.bicep");

        Assert.Contains("User", principalType["allowedValues"]!.AsArray().Select(v => (string?)v));
        Assert.Contains("principalId: principalId", main, StringComparison.Ordinal);
        Assert.Contains("principalType: principalType", main, StringComparison.Ordinal);
        // Assignment names are guid(scope, principal, role): stable across re-deployments.
        Assert.All(CompiledTemplate.Resources(rbac), r => Assert.StartsWith("[guid(", (string?)r["name"], StringComparison.Ordinal));
    }
}
