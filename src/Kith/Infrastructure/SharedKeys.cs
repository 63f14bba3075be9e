using System.Xml.Linq;
using Kith.Core.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.EntityFrameworkCore;

namespace Kith.Infrastructure;

/// <summary>
/// The keys that sign sign-in cookies and antiforgery tokens live in the database, so a cookie from one node is good
/// on every other node over the same database, and survives a restart or a new container. Each key is sealed with
/// secret.key (AES-GCM, <see cref="SecretBox"/>) before it is stored: a copy of the database or a backup alone cannot
/// forge a sign-in.
/// </summary>
public static class SharedKeys
{
    public const string Purpose = "data-protection-key";

    public static IServiceCollection AddKithDataProtection(this IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName("Kith");
        services.AddOptions<KeyManagementOptions>().Configure<IServiceProvider>((o, sp) =>
        {
            o.XmlRepository = new DatabaseKeyRepository(sp.GetRequiredService<Func<KithDb>>());
            o.XmlEncryptor = new SealedKeyEncryptor(sp.GetRequiredService<SecretBox>());
        });
        return services;
    }

    private sealed class DatabaseKeyRepository(Func<KithDb> open) : IXmlRepository
    {
        public IReadOnlyCollection<XElement> GetAllElements()
        {
            using var db = open();
            return db.DataProtectionKeys.AsNoTracking().OrderBy(k => k.Id).Select(k => k.Xml).ToList().Select(x => XElement.Parse(x)).ToList();
        }

        public void StoreElement(XElement element, string friendlyName)
        {
            using var db = open();
            db.DataProtectionKeys.Add(new DataProtectionKey { FriendlyName = friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting) });
            db.SaveChanges();
        }
    }

    private sealed class SealedKeyEncryptor(SecretBox box) : IXmlEncryptor
    {
        public EncryptedXmlInfo Encrypt(XElement plaintextElement) =>
            new(new XElement("sealed", box.Encrypt(plaintextElement.ToString(SaveOptions.DisableFormatting), Purpose)), typeof(SealedKeyDecryptor));
    }

    /// <summary>Made by the data-protection system from the type name stored with each key, hence public and the IServiceProvider constructor.</summary>
    public sealed class SealedKeyDecryptor(IServiceProvider services) : IXmlDecryptor
    {
        public XElement Decrypt(XElement encryptedElement) =>
            XElement.Parse(services.GetRequiredService<SecretBox>().Decrypt(encryptedElement.Value, Purpose));
    }
}
