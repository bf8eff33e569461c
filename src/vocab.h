/* vocab.h - the terms provio writes, as ready-made N-Triples tokens.
 * docs/model.md defines each one; keep the two in step. */
#ifndef PROVIO_VOCAB_H
#define PROVIO_VOCAB_H

#define PV_NS_PROV "http://www.w3.org/ns/prov#"
#define PV_NS_PROVIO "https://w3id.org/provio/ns#"
#define PV_NS_XSD "http://www.w3.org/2001/XMLSchema#"
#define PV_NS_RDF "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define PV_NS_RDFS "http://www.w3.org/2000/01/rdf-schema#"
/* Classes and relations a program declares (provio_declare_class). */
#define PV_NS_USER "https://w3id.org/provio/user#"

#define PV_PROV(t) "<" PV_NS_PROV t ">"
#define PV_TERM(t) "<" PV_NS_PROVIO t ">"
#define PV_XSD(t) "<" PV_NS_XSD t ">"
#define PV_RDF_TYPE "<" PV_NS_RDF "type>"
#define PV_RDFS(t) "<" PV_NS_RDFS t ">"

/* Instance IRIs are URNs under this prefix (docs/model.md, "Identifiers"). */
#define PV_URN "urn:provio:"

/* First line of every file the tracker writes: how prov-merge tells a
 * provio file from any other .nt file. */
#define PV_FILE_MAGIC "# provio-nt 1"

#endif
