namespace Kith.Core.Importing.Cleaning;

/// <summary>
/// A column mapping or cleaning setting that cannot work: an override naming an unknown column or field, two
/// columns on one field, a default value that is not valid. The message says what and lists the valid choices.
/// Raised before any row is read, so nothing is imported.
/// </summary>
public sealed class MappingException(string message) : Exception(message);
