-- Which real person each mention is: the key is a verified 18-digit resident ID (GB 11643).
--   1. a valid ID is its own key;
--   2. a 15-digit legacy ID is upgraded to 18 digits (century 19 inserted, check digit computed);
--   3. an invalid ID is repaired only when exactly one valid ID, written with the same name, agrees with it
--      on everything but the damaged part: the first 17 digits (a wrong check character), or region,
--      birth year and sequence (an impossible birth date);
--   4. anything else stays unverified, keyed on what was written, and never merges with anyone.
with mentions as (
    select
        *,
        case
            when regexp_full_match(resident_id_written, '[0-9]{15}')
                then left(resident_id_written, 6) || '19' || right(resident_id_written, 9)
        end as legacy_17
    from {{ ref('int_person_mentions') }}
),

upgraded as (
    select
        * exclude (legacy_17),
        coalesce(
            case when {{ resident_id_is_valid('resident_id_written') }} then resident_id_written end,
            legacy_17 || {{ gb11643_check_digit('legacy_17') }}
        ) as valid_id
    from mentions
),

valid_ids as (
    select distinct valid_id, person_name
    from upgraded
    where valid_id is not null and person_name is not null
),

repair_candidates as (
    select u.source, u.role, u.record_key, v.valid_id
    from upgraded as u
    inner join valid_ids as v
        on u.person_name = v.person_name
        and (
            left(u.resident_id_written, 17) = left(v.valid_id, 17)
            or (left(u.resident_id_written, 10) = left(v.valid_id, 10)
                and substr(u.resident_id_written, 15, 3) = substr(v.valid_id, 15, 3)
                and try_strptime(substr(u.resident_id_written, 7, 8), '%Y%m%d') is null)
        )
    where u.valid_id is null and length(u.resident_id_written) = 18
),

unique_repairs as (
    select source, role, record_key, min(valid_id) as repaired_id
    from repair_candidates
    group by all
    having count(distinct valid_id) = 1
)

select
    u.* exclude (valid_id),
    coalesce(u.valid_id, r.repaired_id, 'UNVERIFIED:' || u.resident_id_written) as person_key,
    case
        when u.valid_id = u.resident_id_written then 'valid'
        when u.valid_id is not null then 'legacy_15_upgraded'
        when r.repaired_id is not null then 'repaired'
        else 'unverified'
    end as id_resolution
from upgraded as u
left join unique_repairs as r using (source, role, record_key)
