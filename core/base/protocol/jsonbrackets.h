#pragma once

namespace duplex::protocol {

// Follows the nesting of JSON text one byte at a time, outside strings only (a bracket
// in a string, escaped quotes included, is text): the one scanner behind the input
// policy's depth check and the bus's "exactly one object" check. It reads the text as it
// comes and never parses it, so hostile text costs one pass; the text need not be valid.
class JsonBrackets final
{
public:
    // Takes the next byte; the nesting depth after it.
    int step(char c)
    {
        if (m_inString) {
            if (m_escaped)
                m_escaped = false;
            else if (c == '\\')
                m_escaped = true;
            else if (c == '"')
                m_inString = false;
            return m_depth;
        }
        if (c == '"')
            m_inString = true;
        else if (c == '[' || c == '{')
            ++m_depth;
        else if ((c == ']' || c == '}') && m_depth > 0)
            --m_depth;
        return m_depth;
    }

    int depth() const { return m_depth; }
    bool inString() const { return m_inString; }

private:
    int m_depth = 0;
    bool m_inString = false;
    bool m_escaped = false;
};

} // namespace duplex::protocol
