with

source as (

    select * from {{ source('lakehouse', 'call_metrics') }}

),

final as (

    select

        ----------  ids
        cast(call_uid as varchar) as call_uid,
        cast(tenant_id as varchar) as tenant_id,
        cast(model_id as varchar) as model_id,

        ---------- talk time
        cast(duration_s as double) as duration_s,
        cast(agent_talk_share as double) as agent_talk_share,
        cast(customer_talk_share as double) as customer_talk_share,

        ---------- silence and overlap
        cast(silence_s as double) as silence_s,
        cast(silence_share as double) as silence_share,
        cast(longest_silence_s as double) as longest_silence_s,
        cast(overlap_s as double) as overlap_s,
        cast(dead_air_count as integer) as dead_air_count,
        cast(dead_air_s as double) as dead_air_s,
        cast(long_hold_count as integer) as long_hold_count,
        cast(long_hold_s as double) as long_hold_s,

        ---------- turn-taking (timings and word counts only: no emotion inference)
        cast(overtalk_count as integer) as overtalk_count,
        cast(agent_interruptions as integer) as agent_interruptions,
        cast(agent_words_per_minute as double) as agent_words_per_minute,
        cast(time_to_first_agent_word_s as double) as time_to_first_agent_word_s,

        ---------- timestamps
        cast(computed_at as timestamp with time zone) as computed_at

    from source

)

select * from final
