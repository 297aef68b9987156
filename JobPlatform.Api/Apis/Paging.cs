using JobPlatform.Contracts;

namespace JobPlatform.Api.Apis;

/// <summary>A page of a list as the list endpoints take it (<c>?page=&amp;pageSize=</c>), checked once for all of them.</summary>
public readonly record struct Paging(int Page, int Size)
{
    /// <summary>How many items come before the page.</summary>
    public int Skip => (Page - 1) * Size;

    /// <summary>
    /// The page asked for (page 1 of <see cref="JobLimits.DefaultPageSize"/> items by default). What
    /// is wrong with it goes into <paramref name="errors"/>, named by its query parameter; a page so
    /// far out that its first item's position overflows is one of those.
    /// </summary>
    public static Paging Read(int? page, int? pageSize, Dictionary<string, string[]> errors)
    {
        var size = pageSize ?? JobLimits.DefaultPageSize;
        var number = page ?? 1;
        if (size is < 1 or > JobLimits.MaxPageSize)
        {
            errors["pageSize"] = [$"pageSize must be from 1 to {JobLimits.MaxPageSize}."];
        }
        else if (number < 1)
        {
            errors["page"] = ["page starts at 1."];
        }
        else if ((long)(number - 1) * size > int.MaxValue)
        {
            errors["page"] = [$"page must be at most {int.MaxValue / size + 1:N0} with pageSize {size}."];
        }
        return new Paging(number, size);
    }

    /// <summary>The answer for this page: its items and how many there are in all.</summary>
    public PagedResponse<T> Of<T>(IReadOnlyList<T> items, long total) =>
        new(items, Page, Size, total, (int)((total + Size - 1) / Size));
}
