namespace FunctionsOpt.Orchestration.Tests.TestKit;

/// <summary>Removes a test's temporary folder.</summary>
internal static class TestFolders
{
    /// <summary>
    /// Deletes <paramref name="path"/>, retrying for a few seconds: stopping the embedded engine does not wait for an
    /// activity already running (a cancelled run's last trial), which can still write into the folder.
    /// </summary>
    public static async Task DeleteAsync(string path)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (Directory.Exists(path))
                {
                    Directory.Delete(path, recursive: true);
                }

                return;
            }
            catch (IOException) when (attempt < 50)
            {
                await Task.Delay(200);
            }
        }
    }
}
