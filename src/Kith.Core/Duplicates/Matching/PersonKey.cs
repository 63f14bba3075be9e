namespace Kith.Core.Duplicates.Matching;

/// <summary>
/// What the duplicate rules look at for one person. <see cref="Id"/> is anything unique within one index or scan: a
/// customer id, or for a file row not stored yet, say, minus its line number. <see cref="Email"/> is expected
/// lower-cased and trimmed and <see cref="Phone"/> in E.164 when it is a valid number (as the customer handlers
/// store them); a phone that did not parse may be given as typed, and only its digits are compared.
/// </summary>
public sealed record PersonKey(long Id, string Name, string? Email, string? Phone, string? CompanyName = null, string? City = null);
