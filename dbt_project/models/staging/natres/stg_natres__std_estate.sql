{{ config(unique_key='estate_id') }}

with source as (
    select * from {{ published_source('natres', 'std_estate') }}
),

renamed as (
    select
        {{ clean_text('estate_id') }} as estate_id,
        {{ clean_text('estate_name') }} as estate_name,
        -- Comma-separated in the source (half- or full-width commas); an empty cell is an empty list.
        list_filter(
            list_transform(string_split(coalesce({{ clean_text("replace(alias_names, '，', ',')") }}, ''), ','),
                a -> trim(a)),
            a -> a <> '') as alias_names,
        {{ clean_text('community_code') }} as community_code,
        {{ clean_text('road_name') }} as road_name,
        cast(updated_at as timestamp) as updated_at,
        _batch_id as load_id
    from source
)

select * from renamed
