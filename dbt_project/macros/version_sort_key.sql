{#-
    Sort key for version strings such as '2', '10', 'v1.2', '1.10.3'.

    Returns an integer list compared element by element, so '10' > '2' and
    '1.10' > '1.2' (plain string ordering gets both wrong). Non-numeric parts
    become -1 so e.g. 'beta' sorts below any numeric version; callers should
    tie-break on the raw string.
-#}
{% macro version_sort_key(column_name) -%}
    list_transform(
        string_split(regexp_replace(lower(trim({{ column_name }})), '^v', ''), '.'),
        lambda part: coalesce(try_cast(part as integer), -1)
    )
{%- endmacro %}
