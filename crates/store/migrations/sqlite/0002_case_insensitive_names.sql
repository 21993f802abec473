-- Site and prison names are unique whatever their capitalisation, matching
-- how operator commands look sites up ("RECONNECT Surrey" = "reconnect surrey").
CREATE UNIQUE INDEX site_name_lower ON site (lower(name));
CREATE UNIQUE INDEX prison_name_lower ON prison (lower(name));
