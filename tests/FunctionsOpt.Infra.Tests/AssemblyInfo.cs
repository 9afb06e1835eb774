using System.Runtime.Versioning;

// The Bicep CLI comes from the linux-x64 package: these tests run on Linux only.
[assembly: SupportedOSPlatform("linux")]
