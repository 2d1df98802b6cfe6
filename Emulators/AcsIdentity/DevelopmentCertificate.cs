using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Collab.Emulators.AcsIdentity;

/// <summary>
/// The ACS emulator's self-signed HTTPS certificate (SAN <c>localhost</c>, <c>127.0.0.1</c>, <c>::1</c>, and name
/// constraints permitting only those names to anything it signs): created on first start, reused while valid. The chat SDK refuses bearer tokens over plain http
/// (shared/protocols/acs-chat-rooms.md, rule 1), so local clients trust this certificate instead
/// (Node through <c>NODE_EXTRA_CA_CERTS</c>, browsers by importing it).
/// </summary>
public static class DevelopmentCertificate
{
    /// <summary>The public certificate (PEM) in the certificate directory: what clients trust.</summary>
    public const string CertificateFileName = "acs-emulator.pem";

    /// <summary>The private key (PKCS#8 PEM) beside it, readable by its owner only.</summary>
    public const string KeyFileName = "acs-emulator.key";

    private const string NameConstraintsOid = "2.5.29.30";
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
        // A CA, because browsers import it as a trusted authority. pathlen 0 only stops it signing other CAs, not leaf
        // certificates: the name constraints are what confine whatever its key signs, should the key leak, to this
        // machine's names (localhost, 127.0.0.1, ::1), so trusting it cannot let anyone intercept other sites.
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(LoopbackNameConstraints());
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
            // One made before the certificate carried name constraints is replaced.
            if (certificate.NotBefore <= now.UtcDateTime && certificate.NotAfter - RenewBefore > now.UtcDateTime
                && san is not null && san.EnumerateDnsNames().Contains("localhost")
                && certificate.Extensions.Any(e => e.Oid?.Value == NameConstraintsOid))
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

    /// <summary>
    /// RFC 5280 §4.2.1.10 name constraints, critical: permitted subtrees DNS <c>localhost</c>, IP 127.0.0.1/32 and
    /// ::1/128 (address then mask). .NET has no builder for this extension, so it is DER-encoded here.
    /// </summary>
    private static X509Extension LoopbackNameConstraints()
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)))
            {
                using (writer.PushSequence())
                {
                    writer.WriteCharacterString(UniversalTagNumber.IA5String, "localhost", new Asn1Tag(TagClass.ContextSpecific, 2));
                }

                foreach (var (address, prefix) in new[] { (IPAddress.Loopback, 32), (IPAddress.IPv6Loopback, 128) })
                {
                    var bytes = address.GetAddressBytes();
                    var mask = new byte[bytes.Length];
                    for (var bit = 0; bit < prefix; bit++)
                    {
                        mask[bit / 8] |= (byte)(0x80 >> (bit % 8));
                    }

                    using (writer.PushSequence())
                    {
                        writer.WriteOctetString([.. bytes, .. mask], new Asn1Tag(TagClass.ContextSpecific, 7));
                    }
                }
            }
        }

        return new X509Extension(NameConstraintsOid, writer.Encode(), critical: true);
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
