{#-
    How the scored calls spread by the agent's share of the talk time and by the share of
    silence, in 5-point bins over every call the database holds: the report's "talk and
    silence" histograms. Every bin of a measure is a row (0 calls included) once the tenant has
    a call with that measure.
-#}
with

calls as (

    select * from {{ ref('fct_calls') }}

),

bins as (

    select cast(bin_index as integer) as bin_index
    from range({{ var('conversation_share_bins') }}) as t(bin_index)

),

shares as (

    select tenant_id, 'agent_talk_share' as measure, agent_talk_share as share
    from calls
    where agent_talk_share is not null

    union all

    select tenant_id, 'silence_share' as measure, silence_share as share
    from calls
    where silence_share is not null

),

-- a share of exactly 1 counts in the last bin
binned as (

    select
        tenant_id,
        measure,
        cast(floor(least(share, 0.999999) * {{ var('conversation_share_bins') }}) as integer) as bin_index,
        count(*) as calls

    from shares
    group by all

),

measures as (

    select distinct tenant_id, measure
    from shares

),

final as (

    select

        ---------- grain
        measures.tenant_id,
        measures.measure,
        bins.bin_index,

        ---------- bin
        bins.bin_index / {{ var('conversation_share_bins') }} as bin_start,
        (bins.bin_index + 1) / {{ var('conversation_share_bins') }} as bin_end,

        ---------- measure
        coalesce(binned.calls, 0) as calls

    from measures
    cross join bins
    left join binned
        on measures.tenant_id = binned.tenant_id
        and measures.measure = binned.measure
        and bins.bin_index = binned.bin_index

)

select * from final
