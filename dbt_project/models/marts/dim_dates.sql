{#-
    A fixed calendar (vars dim_dates_start .. dim_dates_end), not derived from the calls: it holds
    no tenant's data, so every tenant's published database gets the same copy.
-#}
with

days as (

    select cast(day as date) as date_day
    from generate_series(
        date '{{ var("dim_dates_start") }}', date '{{ var("dim_dates_end") }}', interval 1 day
    ) as t(day)

),

final as (

    select

        ---------- key
        date_day,

        ---------- calendar
        cast(year(date_day) as integer) as year,
        cast(quarter(date_day) as integer) as quarter,
        cast(month(date_day) as integer) as month,
        strftime(date_day, '%B') as month_name,
        cast(date_trunc('month', date_day) as date) as month_start,
        cast(date_trunc('quarter', date_day) as date) as quarter_start,
        cast(date_trunc('week', date_day) as date) as week_start,
        cast(isoyear(date_day) as integer) as iso_year,
        cast(week(date_day) as integer) as iso_week,
        cast(isodow(date_day) as integer) as iso_day_of_week,
        strftime(date_day, '%A') as day_name,
        isodow(date_day) >= 6 as is_weekend

    from days

)

select * from final
