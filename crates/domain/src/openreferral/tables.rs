//! A feed flattened into the profile's tables: nested records (a service with
//! its organisation, locations, schedules...) become one row per table, each
//! child carrying its parent's id, so the store can upsert them table by
//! table and the CSV form can be written and read as it is.

use super::model::*;

/// Every record of a feed, one list per profile table. A record added more
/// than once through the `add_*` methods (an organisation nested in several
/// services) is kept once, the last copy winning; lists filled directly are
/// taken as they are.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tables {
    pub taxonomies: Vec<Taxonomy>,
    pub taxonomy_terms: Vec<TaxonomyTerm>,
    pub organizations: Vec<Organization>,
    pub organization_identifiers: Vec<OrganizationIdentifier>,
    pub services: Vec<Service>,
    pub locations: Vec<Location>,
    pub service_at_locations: Vec<ServiceAtLocation>,
    pub addresses: Vec<Address>,
    pub accessibility: Vec<Accessibility>,
    pub contacts: Vec<Contact>,
    pub phones: Vec<Phone>,
    pub schedules: Vec<Schedule>,
    pub service_areas: Vec<ServiceArea>,
    pub languages: Vec<Language>,
    pub cost_options: Vec<CostOption>,
    pub funding: Vec<Funding>,
    pub attributes: Vec<Attribute>,
    /// Where each (table, id) sits in its list, so a repeated record replaces
    /// the earlier copy without a search (feeds have tens of thousands).
    index: std::collections::HashMap<(&'static str, String), usize>,
}

macro_rules! put {
    ($self:ident . $field:ident, $item:expr) => {{
        let item = $item;
        let key = (stringify!($field), item.id.clone());
        match $self.index.get(&key) {
            Some(&i) => $self.$field[i] = item,
            None => {
                $self.index.insert(key, $self.$field.len());
                $self.$field.push(item);
            }
        }
    }};
}

fn set(slot: &mut Option<String>, parent: &str) {
    if slot.is_none() {
        *slot = Some(parent.to_string());
    }
}

impl Tables {
    /// How many records in all.
    pub fn len(&self) -> usize {
        self.taxonomies.len()
            + self.taxonomy_terms.len()
            + self.organizations.len()
            + self.organization_identifiers.len()
            + self.services.len()
            + self.locations.len()
            + self.service_at_locations.len()
            + self.addresses.len()
            + self.accessibility.len()
            + self.contacts.len()
            + self.phones.len()
            + self.schedules.len()
            + self.service_areas.len()
            + self.languages.len()
            + self.cost_options.len()
            + self.funding.len()
            + self.attributes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many records each table holds, in a fixed order (to see what a
    /// call added).
    pub fn counts(&self) -> [usize; 17] {
        [
            self.taxonomies.len(),
            self.taxonomy_terms.len(),
            self.organizations.len(),
            self.organization_identifiers.len(),
            self.services.len(),
            self.locations.len(),
            self.service_at_locations.len(),
            self.addresses.len(),
            self.accessibility.len(),
            self.contacts.len(),
            self.phones.len(),
            self.schedules.len(),
            self.service_areas.len(),
            self.languages.len(),
            self.cost_options.len(),
            self.funding.len(),
            self.attributes.len(),
        ]
    }

    fn attributes(&mut self, list: Vec<Attribute>, link_id: &str, entity: &str) {
        for mut a in list {
            set(&mut a.link_id, link_id);
            set(&mut a.link_entity, entity);
            if let Some(term) = a.taxonomy_term.take() {
                set(&mut a.taxonomy_term_id, &term.id);
                self.add_taxonomy_term(term);
            }
            put!(self.attributes, a);
        }
    }

    pub fn add_attribute(&mut self, a: Attribute) {
        let link_id = a.link_id.clone().unwrap_or_default();
        let entity = a.link_entity.clone().unwrap_or_default();
        self.attributes(vec![a], &link_id, &entity);
    }

    pub fn add_taxonomy(&mut self, mut t: Taxonomy) {
        for mut term in std::mem::take(&mut t.taxonomy_terms) {
            set(&mut term.taxonomy_id, &t.id);
            self.add_taxonomy_term(term);
        }
        put!(self.taxonomies, t);
    }

    pub fn add_taxonomy_term(&mut self, t: TaxonomyTerm) {
        put!(self.taxonomy_terms, t);
    }

    pub fn add_organization(&mut self, mut o: Organization) {
        for mut i in std::mem::take(&mut o.organization_identifiers) {
            set(&mut i.organization_id, &o.id);
            self.attributes(
                std::mem::take(&mut i.attributes),
                &i.id,
                "organization_identifier",
            );
            put!(self.organization_identifiers, i);
        }
        self.attributes(std::mem::take(&mut o.attributes), &o.id, "organization");
        put!(self.organizations, o);
    }

    pub fn add_service(&mut self, mut s: Service) {
        if let Some(org) = s.organization.take() {
            set(&mut s.organization_id, &org.id);
            self.add_organization(*org);
        }
        let id = s.id.clone();
        for mut x in std::mem::take(&mut s.schedules) {
            set(&mut x.service_id, &id);
            put!(self.schedules, x);
        }
        for mut x in std::mem::take(&mut s.service_areas) {
            set(&mut x.service_id, &id);
            put!(self.service_areas, x);
        }
        for mut x in std::mem::take(&mut s.service_at_locations) {
            set(&mut x.service_id, &id);
            self.add_service_at_location(x);
        }
        for mut x in std::mem::take(&mut s.languages) {
            set(&mut x.service_id, &id);
            put!(self.languages, x);
        }
        for mut x in std::mem::take(&mut s.funding) {
            set(&mut x.service_id, &id);
            put!(self.funding, x);
        }
        for mut x in std::mem::take(&mut s.cost_options) {
            set(&mut x.service_id, &id);
            put!(self.cost_options, x);
        }
        for mut x in std::mem::take(&mut s.contacts) {
            set(&mut x.service_id, &id);
            self.add_contact(x);
        }
        for mut x in std::mem::take(&mut s.phones) {
            set(&mut x.service_id, &id);
            put!(self.phones, x);
        }
        self.attributes(std::mem::take(&mut s.attributes), &id, "service");
        put!(self.services, s);
    }

    pub fn add_service_at_location(&mut self, mut sal: ServiceAtLocation) {
        sal.distance = None;
        if let Some(service) = sal.service.take() {
            set(&mut sal.service_id, &service.id);
            self.add_service(*service);
        }
        if let Some(location) = sal.location.take() {
            set(&mut sal.location_id, &location.id);
            self.add_location(*location);
        }
        for mut x in std::mem::take(&mut sal.schedules) {
            set(&mut x.service_at_location_id, &sal.id);
            put!(self.schedules, x);
        }
        put!(self.service_at_locations, sal);
    }

    pub fn add_location(&mut self, mut l: Location) {
        for mut a in std::mem::take(&mut l.addresses) {
            set(&mut a.location_id, &l.id);
            self.attributes(std::mem::take(&mut a.attributes), &a.id, "address");
            put!(self.addresses, a);
        }
        for mut a in std::mem::take(&mut l.accessibility) {
            set(&mut a.location_id, &l.id);
            self.attributes(std::mem::take(&mut a.attributes), &a.id, "accessibility");
            put!(self.accessibility, a);
        }
        self.attributes(std::mem::take(&mut l.attributes), &l.id, "location");
        put!(self.locations, l);
    }

    pub fn add_contact(&mut self, mut c: Contact) {
        for mut p in std::mem::take(&mut c.phones) {
            set(&mut p.contact_id, &c.id);
            put!(self.phones, p);
        }
        self.attributes(std::mem::take(&mut c.attributes), &c.id, "contact");
        put!(self.contacts, c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nested_service_becomes_rows_that_name_their_parents() {
        let mut t = Tables::default();
        t.add_service(Service {
            id: "s".into(),
            name: "Service".into(),
            status: "active".into(),
            organization: Some(Box::new(Organization {
                id: "o".into(),
                ..Default::default()
            })),
            service_at_locations: vec![ServiceAtLocation {
                id: "sal".into(),
                location: Some(Box::new(Location {
                    id: "l".into(),
                    addresses: vec![Address {
                        id: "a".into(),
                        ..Default::default()
                    }],
                    ..Default::default()
                })),
                ..Default::default()
            }],
            attributes: vec![Attribute {
                id: "at".into(),
                taxonomy_term: Some(TaxonomyTerm {
                    id: "t".into(),
                    ..Default::default()
                }),
                ..Default::default()
            }],
            ..Default::default()
        });
        assert_eq!(t.services[0].organization_id.as_deref(), Some("o"));
        assert_eq!(t.service_at_locations[0].service_id.as_deref(), Some("s"));
        assert_eq!(t.service_at_locations[0].location_id.as_deref(), Some("l"));
        assert_eq!(t.addresses[0].location_id.as_deref(), Some("l"));
        assert_eq!(t.attributes[0].link_id.as_deref(), Some("s"));
        assert_eq!(t.attributes[0].link_entity.as_deref(), Some("service"));
        assert_eq!(t.attributes[0].taxonomy_term_id.as_deref(), Some("t"));
        assert_eq!(t.taxonomy_terms.len(), 1);
        assert_eq!(t.len(), 7);
    }
}
