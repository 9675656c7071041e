{#- Fails for non-null values outside [0, 1] (shares, rates, probabilities). -#}
{% test between_zero_and_one(model, column_name) %}

select {{ column_name }} as value_field
from {{ model }}
where {{ column_name }} is not null
  and ({{ column_name }} < 0 or {{ column_name }} > 1)

{% endtest %}
