"""SLA clocks and escalation.

Clocks follow the ticket's own transitions and events (registered in TicketsConfig.ready):

- accept: starts on entering `assigned`, met on `accepted`, cancelled on going back to
  `awaiting_dispatch` (each assignment is a new `cycle`).
- contact: starts on entering `assigned`; met ONLY by an event `customer_call` with data
  `{"outcome": "reached"}` (`no_answer`, `wrong_number` meet nothing).
- arrival and completion: start when the ticket is first ready for dispatch; arrival is met
  ONLY by entering `on_site`, completion by `completed`. An appointment is due at the end of
  its window (`preferred_end`, then `window_end` of the `status` event to `scheduled`); an
  event `rescheduled` with `window_end` moves it unless `customer_consent` is false. For
  other priorities a `scheduled` window moves it only with `customer_consent: true`.
  Entering `waiting_for_parts` pauses both (reason = the event's reason), leaving resumes;
  an event `customer_postponed` (`reason`, optional `until` ISO time) pauses until `until`
  or until the visit is scheduled / the engineer is on the way / on site.
- check_back: starts on entering `resolved_remotely`; met by a `customer_call` reached or a
  `check_back_done` event (or the check-back sending it back to dispatch).
- callback: starts on entering `completed`; met on entering `callback_done`.
- complaint_response / complaint_resolution: start on `complaint_opened` (data
  `complaint_id`), met by `complaint_responded` / `complaint_resolved` with the same id.
- Closing or cancelling the ticket cancels its open clocks (not complaint clocks).

A breached accept/contact clock hands the ticket back through `tickets.hooks.redispatch`
(task `tickets.sla_redispatch`). Warnings go to the engineer (`engineer_user_id` in the data
of the latest `status` event to `assigned`) and the area's dispatchers.
"""
