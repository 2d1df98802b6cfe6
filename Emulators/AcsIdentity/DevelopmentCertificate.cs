using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Collab.Emulators.AcsIdentity;

/// <summary>
/// The ACS emulator's self-signed HTTPS certificate (SAN <c>localhost</c>, <c>127.0.0.1</c>, <c>::1</c>): created on
/// first start, reused while valid. The chat SDK refuses bearer tokens over plain http
/// (shared/protocols/acs-chat-rooms.md, rule 1), so local clients trust this certificate instead
/// (Node through <c>NODE_EXTRA_CA_CERTS</c>, browsers by importing it).
/// </summary>
public static class DevelopmentCertificate
{
    /// <summary>The public certificate (PEM) in the certificate directory: what clients trust.</summary>
    public const string CertificateFileName = "acs-emulator.pem";

    /// <summary>The private key (PKCS#8 PEM) beside it, readable by its owner only.</summary>
    public const string KeyFileName = "acs-emulator.key";

    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(365);
    private static readonly TimeSpan RenewBefore = TimeSpan.FromDays(1);
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Loads the certificate from <paramref name="directory"/>, or creates it there when missing, unreadable or within a
    /// day of expiry. Emulators starting at once (parallel test classes, several processes) serialise on a lock file so
    /// the certificate and its key always match.
    /// </summary>
    public static X509Certificate2 LoadOrCreate(string directory, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(time);
        Directory.CreateDirectory(directory);
        var certificatePath = Path.Combine(directory, CertificateFileName);
        var keyPath = Path.Combine(directory, KeyFileName);
        using var exclusive = AcquireLock(Path.Combine(directory, "acs-emulator.lock"));
        var now = time.GetUtcNow();
        if (TryLoad(certificatePath, keyPath, now) is { } existing)
        {
            return existing;
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost, O=Collab ACS emulator (development only)", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        // A CA that signs nothing but itself: browsers import it as a trusted authority; pathlen 0 keeps it from signing others.
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var created = request.CreateSelfSigned(now.AddMinutes(-5), now.Add(Lifetime));

        WriteAtomically(keyPath, key.ExportPkcs8PrivateKeyPem(), ownerOnly: true);
        WriteAtomically(certificatePath, created.ExportCertificatePem() + "\n", ownerOnly: false);
        return X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
    }

    /// <summary>Base64 SHA-256 of the certificate's SubjectPublicKeyInfo, as chromium's <c>--ignore-certificate-spki-list</c> takes it.</summary>
    public static string Spki(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Convert.ToBase64String(SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo()));
    }

    private static X509Certificate2? TryLoad(string certificatePath, string keyPath, DateTimeOffset now)
    {
        if (!File.Exists(certificatePath) || !File.Exists(keyPath))
        {
            return null;
        }

        try
        {
            var certificate = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            var san = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
            if (certificate.NotBefore <= now.UtcDateTime && certificate.NotAfter - RenewBefore > now.UtcDateTime
                && san is not null && san.EnumerateDnsNames().Contains("localhost"))
            {
                return certificate;
            }

            certificate.Dispose();
            return null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static void WriteAtomically(string path, string contents, bool ownerOnly)
    {
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (ownerOnly && !OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(temporary, System.Text.Encoding.ASCII, options))
        {
            writer.Write(contents);
        }

        File.Move(temporary, path, overwrite: true);
    }

    private static FileStream AcquireLock(string path)
    {
        var deadline = DateTime.UtcNow + LockTimeout;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }
        }
    }
}
