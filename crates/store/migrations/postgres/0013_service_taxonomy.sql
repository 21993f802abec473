-- The field's service taxonomy (issue 5): the 20 kinds of community service
-- from reconnect_domain::service_taxonomy, with the same ids, codes, names and
-- descriptions (a conformance test checks the rows equal the Rust list).
-- Also three fields of the UK profile that 0012 had no column for, so a feed
-- round-trips: service_area.service_area, accessibility.accessibility and
-- taxonomy_term.term.

ALTER TABLE dir_service_area ADD COLUMN service_area TEXT;
ALTER TABLE dir_accessibility ADD COLUMN accessibility TEXT;
ALTER TABLE dir_taxonomy_term ADD COLUMN term TEXT;

INSERT INTO dir_taxonomy (id, name, description, uri, version) VALUES
    ('7b1e2a40-6c1d-4e0b-9a51-000000000000', 'RECONNECT community services', 'Kinds of community service that people leaving prison are linked to for health, housing and wellbeing.', NULL, '1');

INSERT INTO dir_taxonomy_term (id, code, name, description, parent_id, taxonomy, taxonomy_id, term_uri, language, term) VALUES
    ('7b1e2a40-6c1d-4e0b-9a51-000000000001', 'gp-primary-care', 'GP and primary care', 'Registering with a GP, and GP, nurse and community health appointments.', NULL, 'RECONNECT community services', '7b1e2a40-6c1d-4e0b-9a51-000000000000', NULL, 'en', 'GP and primary care'),
    ('7b1e2a40-6c1d-4e0b-9a51-000000000002', 'pharmacy', 'Pharmacy and prescriptions', 'Collecting medicines and prescriptions, including on the day of release.', NULL, 'RECONNECT community services', '7b1e2a40-6c1d-4e0b-9a51-000000000000', NULL, 'en', 'Pharmacy and prescriptions'),
    ('7b1e2a40-6c1d-4e0b-9a51-000000000003', 'mental-health', 'Mental health', 'Talking therapies, community mental health teams and crisis support.', NULL, 'RECONNECT community services', '7b1e2a40-6c1d-4e0b-9a51-000000000000', NULL, 'en', 'Mental health'),
    ('7b1e2a40-6c1d-4e0b-9a51-000000000004', 'substance-misuse', 'Substance misuse treatment', 'Drug and alcohol services, opioid substitution and harm reduction.', NULL, 'RECONNECT community services', '7b1e2a40-6c1d-4e0b-9a51-000000000000', NULL, 'en', 'Substance misuse treatment'),
    ('7b1e2a40-6c1d-4e0b-9a51-000000000005', 'housing', 'Housing and homelessness', 'Somewhere to stay on release, housing advice and homelessness services.', NULL, 'RECONNECT community services', '7b1e2a40-6c1d-4e0b-9a51-000000000000', NULL, 'en', 'Housing and homelessness'),
    ('7b1e2a40-6c1d-4e0b-9a51-000000000006', 'benefits-money', 'Benefits and money', 'Universal Credit, bank accounts, debt advice and grants.', NULL, 'RECONNECT community services', '7b1e2a40-6c1d-4e0b-9a51-000000000000', NULL, 'en', 'Benefits and money'),
    ('7b1e2a40-6c1d-4e0b-9a51-000000000007', 'identity-documents', 'ID and documents', 'Birth certificates, photo ID and proof of address.', NULL, 'RECONNECT community services', '7b1e2a40-6c1d-4e0b-9a51-000000000000', NULL, 'en', 'ID and documents'),
    ('7b1e2a40-6c1d-4e0b-9a51-000000000008', 'employment-training', 'Employment and training', 'Help to find work, training courses and education.', NULL, 'RECONNECT community services', '7b1e2a40-6c1d-4e0b-9a51-000000000000', NULL, 'en', 'Employment and training'),
    ('7b1e2a40-6c1d-4e0b-9a51-000000000009', 'family-children', 'Family and children', 'Support with family relationships, parenting and contact with children.', NULL, 'RECONNECT community services', '7b1e2a40-6c1d-4e0b-9a51-000000000000', NULL, 'en', 'Family and children'),
    ('7b1e2a40-6c1d-4e0b-9a51-000000000010', 'domestic-abuse', 'Domestic abuse', 'Safety planning and support for people affected by domestic abuse.', NULL, 'RECONNECT community services', '7b1e2a40-6c1d-4e0b-9a51-000000000000', NULL, 'en', 'Domestic abuse'),
    ('7b1e2a40-6c1d-4e0b-9a51-000000000011', 'womens-services', 'Women''s services', 'Women''s centres and services run for and by women.', NULL, 'RECONNECT community services', '7b1e2a40-6c1d-4e0b-9a51-000000000000', NULL, 'en', 'Women''s services'),
    ('7b1e2a40-6c1d-4e0b-9a51-000000000012', 'neurodiversity', 'Neurodiversity support', 'Support for autistic people, people with ADHD and other neurodivergent people.', NULL, 'RECONNECT community services', '7b1e2a40-6c1d-4e0b-9a51-000000000000', NULL, 'en', 'Neurodiversity support'),
    ('7b1e2a40-6c1d-4e0b-9a51-000000000013', 'learning-disability', 'Learning disability support', 'Community learning disability teams and advocacy.', NULL, 'RECONNECT community services', '7b1e2a40-6c1d-4e0b-9a51-000000000000', NULL, 'en', 'Learning disability support'),
    ('7b1e2a40-6c1d-4e0b-9a51-000000000014', 'peer-support', 'Peer support', 'Mentors and groups run by people with lived experience.', NULL, 'RECONNECT community services', '7b1e2a40-6c1d-4e0b-9a51-000000000000', NULL, 'en', 'Peer support'),
    ('7b1e2a40-6c1d-4e0b-9a51-000000000015', 'wellbeing-social', 'Wellbeing and social activities', 'Sport, arts, gardening, walking groups and other ways to meet people.', NULL, 'RECONNECT community services', '7b1e2a40-6c1d-4e0b-9a51-000000000000', NULL, 'en', 'Wellbeing and social activities'),
    ('7b1e2a40-6c1d-4e0b-9a51-000000000016', 'faith-community', 'Faith and community groups', 'Places of worship and community groups that welcome people after prison.', NULL, 'RECONNECT community services', '7b1e2a40-6c1d-4e0b-9a51-000000000000', NULL, 'en', 'Faith and community groups'),
    ('7b1e2a40-6c1d-4e0b-9a51-000000000017', 'food-essentials', 'Food and essentials', 'Food banks, clothing and other essentials.', NULL, 'RECONNECT community services', '7b1e2a40-6c1d-4e0b-9a51-000000000000', NULL, 'en', 'Food and essentials'),
    ('7b1e2a40-6c1d-4e0b-9a51-000000000018', 'legal-advice', 'Legal advice', 'Legal advice and advocacy.', NULL, 'RECONNECT community services', '7b1e2a40-6c1d-4e0b-9a51-000000000000', NULL, 'en', 'Legal advice'),
    ('7b1e2a40-6c1d-4e0b-9a51-000000000019', 'dental', 'Dental care', 'NHS dentists and urgent dental care.', NULL, 'RECONNECT community services', '7b1e2a40-6c1d-4e0b-9a51-000000000000', NULL, 'en', 'Dental care'),
    ('7b1e2a40-6c1d-4e0b-9a51-000000000020', 'probation-support', 'Probation and resettlement', 'Probation-commissioned resettlement and accommodation services.', NULL, 'RECONNECT community services', '7b1e2a40-6c1d-4e0b-9a51-000000000000', NULL, 'en', 'Probation and resettlement');
