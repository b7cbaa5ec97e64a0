"""What crosses app boundaries: event contracts, topic names and the bare codes that events,
the API and the database share (statuses, recommendations, invitation answers).

Every app may import this package; it imports none of them. It holds no words for people
and no rules: the workflow's steps and labels are the submissions app's, the words of a
decision the notifications app's, the dashboard's labels the analytics app's.
"""
