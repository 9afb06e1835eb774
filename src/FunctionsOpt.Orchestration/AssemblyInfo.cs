// The orchestration layer: contracts, artifact store, orchestrators and activities shared by both hosts.
[assembly: System.CLSCompliant(false)]
