"""PubMed as a living source: an E-utilities client (search and fetch on demand, politely and resumably) and a
local mirror kept in sync from PubMed's baseline and update files.

    client.EutilsClient        ESearch (history server) / EFetch, tool+email+api_key, pacing, retries
    ratelimit.RateLimiter      at most 3 requests/s (10 with an API key), shared by processes of one home
    query                      `pubmed search` filters; a clinical question -> PubMed query tiers
    fetch                      search -> fetch missing records in batches -> ingest (resumable, no duplicates)
    sync                       `pubmed sync DIR`: baseline + update files in order, MD5, deletions, filters
"""
