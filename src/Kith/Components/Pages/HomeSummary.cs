using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Components.Pages;

/// <summary>What the start page shows: how many customers and companies the user can see.</summary>
public sealed record HomeSummary(int Customers, int Companies)
{
    public static async Task<HomeSummary> LoadAsync(KithDb db, AccessScope access, CancellationToken ct = default) =>
        new(await access.Visible(db.Customers).CountAsync(ct), await access.Visible(db.Companies).CountAsync(ct));
}
