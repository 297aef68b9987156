using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using JobPlatform.Contracts;

namespace JobPlatform.Api.Identity;

/// <summary>Making, hashing and comparing secrets. Keys are 256 random bits, so one SHA-256 is a sound hash.</summary>
public static class ApiKeys
{
    /// <summary>How many characters of a key are kept in the clear to recognise it.</summary>
    public const int PrefixLength = 11;

    /// <summary>A new tenant key: <c>jp_</c> and 43 URL-safe characters.</summary>
    public static string Generate() => TenantRules.KeyPrefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    public static string PrefixOf(string key) => key[..Math.Min(PrefixLength, key.Length)];

    /// <summary>Compares a presented secret with a configured one in constant time.</summary>
    public static bool SecretEquals(string presented, string configured) =>
        configured.Length > 0 && CryptographicOperations.FixedTimeEquals(Hash(presented), Hash(configured));
}
