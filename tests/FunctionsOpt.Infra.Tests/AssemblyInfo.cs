using System.Runtime.Versioning;

// The Bicep CLI comes from the linux-x64 package and the posix hook runs under sh: these tests run on Linux only.
[assembly: SupportedOSPlatform("linux")]
