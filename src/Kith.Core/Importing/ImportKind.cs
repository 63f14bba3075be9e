namespace Kith.Core.Importing;

/// <summary>What a file holds: the records an import creates or updates.</summary>
public enum ImportKind { Customers, Companies, Purchases, Communications, Events }
