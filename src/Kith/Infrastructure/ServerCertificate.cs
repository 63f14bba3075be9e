using System.Security.Cryptography.X509Certificates;

namespace Kith.Infrastructure;

/// <summary>Loads the certificate `kith serve --cert` names: a .pfx (PKCS#12) file, or a PEM certificate with its key.</summary>
internal static class ServerCertificate
{
    public static X509Certificate2? Load(KithServeOptions options)
    {
        if (options.CertificatePath is not { Length: > 0 } path) return null;
        if (!File.Exists(path)) throw new FileNotFoundException($"The certificate file {path} does not exist.", path);
        var pem = options.CertificateKeyPath is not null
                  || path.EndsWith(".pem", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".crt", StringComparison.OrdinalIgnoreCase);
        if (!pem) return X509CertificateLoader.LoadPkcs12FromFile(path, options.CertificatePassword);
        return options.CertificatePassword is { Length: > 0 } password
            ? X509Certificate2.CreateFromEncryptedPemFile(path, password, options.CertificateKeyPath)
            : X509Certificate2.CreateFromPemFile(path, options.CertificateKeyPath);
    }
}
