//! The join of register rows with the signature catalogue: each row finds its tool by id, name
//! or domain, adds its domains as patterns, and rows naming only domains of their own become
//! in-house tools.

use publicsuffix::List;

use super::{Entry, Register, error};
use crate::signatures::{Catalogue, ToolId};

impl Register {
    /// Joins every row to a catalogue tool — by tool id, else by name, else by one of its
    /// domains — adds the rows' domains as patterns, and creates a tool for rows that match
    /// nothing but name domains of their own (an internal LLM gateway). Returns the register
    /// row of each tool (`None`: not registered, tier 4).
    pub fn join(
        &mut self,
        catalogue: &mut Catalogue,
        psl: &List,
    ) -> anyhow::Result<Vec<Option<usize>>> {
        let norm = |s: &str| {
            s.chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_lowercase())
                .collect::<String>()
        };
        let file = self.path.display().to_string();
        for e in &mut self.entries {
            let by_id =
                e.id.as_deref()
                    .and_then(|id| catalogue.tool_by_id(&id.to_ascii_lowercase()));
            let by_name = || {
                let want = norm(e.name.as_deref()?);
                (!want.is_empty())
                    .then(|| {
                        catalogue
                            .tools
                            .iter()
                            .position(|t| norm(&t.name) == want || norm(&t.id) == want)
                    })
                    .flatten()
                    .map(|i| i as ToolId)
            };
            let by_domain = || {
                e.domains
                    .iter()
                    .find_map(|d| catalogue.find_host(d.as_bytes()).map(|p| p.tool))
            };
            let tool = match by_id.or_else(by_name).or_else(by_domain) {
                Some(t) => t,
                None if !e.domains.is_empty() => {
                    let label = e.name.clone().or_else(|| e.id.clone()).unwrap_or_default();
                    let id =
                        e.id.clone()
                            .map(|i| i.to_ascii_lowercase())
                            .unwrap_or_else(|| slug(&label));
                    let vendor = e.vendor.clone().unwrap_or_else(|| "in-house".to_string());
                    catalogue
                        .add_local_tool(&id, &label, &vendor, &file)
                        .map_err(|m| error(&self.path, e.line, m))?
                }
                None => continue,
            };
            catalogue
                .add_patterns(tool, &e.domains, psl)
                .map_err(|m| error(&self.path, e.line, m))?;
            e.tool = Some(tool);
        }
        let mut rows = vec![None; catalogue.tools.len()];
        for (i, e) in self.entries.iter().enumerate() {
            let Some(t) = e.tool else { continue };
            if let Some(prev) = rows[t as usize] {
                let prev: &Entry = &self.entries[prev];
                return Err(error(
                    &self.path,
                    e.line,
                    format!(
                        "`{}` is already registered at line {}",
                        catalogue.tools[t as usize].name, prev.line
                    ),
                ));
            }
            rows[t as usize] = Some(i);
        }
        Ok(rows)
    }
}

/// A tool id from a name: lowercase letters and digits, other runs as `-`.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn join_by_id_name_and_domain_and_in_house_tools() {
        let psl = crate::discovery::load_psl(None).unwrap();
        let mut c = Catalogue::embedded(&psl).unwrap();
        let text = "Tool ID,Tool,Tier,Domains\n,Claude,1,\nx,Whatever,2,gemini.google.com\ncorp-gw,Corp LLM Gateway,1,\"llm.corp.example, *.genai.corp.example\"\nchatgpt,,3,\n,Nothing Known,2,\n";
        let mut r = Register::parse(Path::new("r.csv"), text.as_bytes()).unwrap();
        let rows = r.join(&mut c, &psl).unwrap();
        let tier_of = |id: &str| {
            let row = rows[c.tool_by_id(id).unwrap() as usize];
            row.map(|i| r.entries[i].tier.number())
        };
        assert_eq!(tier_of("claude"), Some(1));
        assert_eq!(tier_of("gemini"), Some(2));
        assert_eq!(tier_of("chatgpt"), Some(3));
        assert_eq!(tier_of("corp-gw"), Some(1));
        assert_eq!(tier_of("perplexity"), None);
        let gw = c
            .find_host(b"eu.genai.corp.example")
            .map(|p| c.tools[p.tool as usize].id.as_str());
        assert_eq!(gw, Some("corp-gw"));
        assert_eq!(
            r.entries[4].tool, None,
            "a row matching nothing stays unjoined"
        );
    }

    #[test]
    fn a_tool_registered_twice_or_a_stolen_domain_is_an_error() {
        let psl = crate::discovery::load_psl(None).unwrap();
        let mut c = Catalogue::embedded(&psl).unwrap();
        let mut r =
            Register::parse(Path::new("r.csv"), b"Tool,Tier\nChatGPT,1\nchatgpt,2\n").unwrap();
        let err = r.join(&mut c, &psl).unwrap_err().to_string();
        assert!(
            err.contains("r.csv:3") && err.contains("already registered at line 2"),
            "{err}"
        );
        let mut c = Catalogue::embedded(&psl).unwrap();
        let mut r = Register::parse(
            Path::new("r.csv"),
            b"Tool,Tier,Domains\nClaude,1,chatgpt.com\n",
        )
        .unwrap();
        let err = r.join(&mut c, &psl).unwrap_err().to_string();
        assert!(err.contains("belongs to `chatgpt`"), "{err}");
    }
}
