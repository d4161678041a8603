/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * XML text and attribute values, for every XML document dirtyscope writes:
 * the report's SVG charts (svg.c) and gate's JUnit file (gate_out.c).
 */
#ifndef DS_XML_H
#define DS_XML_H

#include <stdio.h>

/*
 * s as XML text or attribute value: & < > " ' and newline escaped, other
 * control characters (not allowed in XML 1.0) as '?'.
 */
void ds_xml_escape(FILE *f, const char *s);
/* ' name="value"', value escaped */
void ds_xml_attr(FILE *f, const char *name, const char *value);

#endif /* DS_XML_H */
