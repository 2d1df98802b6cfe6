namespace Collab.Emulators.AcsIdentity;

/// <summary>HTTPS of the ACS emulator's origin, section <c>Acs:Https</c> (the chat SDK needs TLS: acs-chat-rooms.md rule 1).</summary>
public sealed class AcsHttpsOptions
{
    /// <summary>
    /// Where the development certificate (<see cref="DevelopmentCertificate.CertificateFileName"/>) and its key are kept,
    /// created on first start when missing (start.sh: <c>.certs</c>, git-ignored; <c>--cert-dir</c>).
    /// </summary>
    public string CertificateDirectory { get; set; } = ".certs";
}
