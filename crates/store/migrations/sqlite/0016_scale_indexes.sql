-- Indexes for a national deployment with years of history (issue 6).
--
-- A worker's caseload is the current allocations where they are the worker
-- OR the peer mentor. allocation_worker serves only the first half; without
-- an index for the mentor half the OR read every allocation in the country.
CREATE INDEX allocation_mentor ON allocation(mentor_id, ended_at);

-- Engagement counts an episode's missed appointments in a window. Without
-- statistics the planners chose appointment_state_time, reading every missed
-- appointment in the country in that window; this index answers the count
-- from the episode's own rows.
CREATE INDEX appointment_episode_state ON appointment(episode_id, state, starts_at);
