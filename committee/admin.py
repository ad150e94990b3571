"""No committee record is edited through the admin site: every committee step (the expert pool, the draws
that create expert assignments, fees, the vote…) runs through its service and its check in the action
registry, on the office's pages (committee.views) or the API. The former ExpertAssignment form let an
administrator assign any expert by raw id, past recusal and the draw's record; it is gone."""
