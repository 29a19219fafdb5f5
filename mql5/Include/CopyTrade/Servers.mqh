//+------------------------------------------------------------------+
//| Servers.mqh -- the list of server addresses (InpServers) and the   |
//| failover order (docs/protocol.md section 5).                      |
//|                                                                  |
//| Mirrors server/copytrade/protocol/servers.py; the tests compare    |
//| both on tests/fixtures/server_lists.json. Entries "host:port" or   |
//| "host" (default port), comma-separated, spaces/tabs around ignored;|
//| host 1-253 of [A-Za-z0-9._-]; port 1-65535, at most 5 digits; an   |
//| empty entry, a duplicate or more than CT_MAX_SERVERS is an error.  |
//+------------------------------------------------------------------+
#ifndef CT_SERVERS_MQH
#define CT_SERVERS_MQH

#define CT_MAX_SERVERS  8
#define CT_MAX_HOST     253

bool CT_IsHostChar(ushort c)
  {
   return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '.' || c == '-' || c == '_';
  }

bool CT_IsBlank(ushort c) { return c == ' ' || c == '\t'; }

// s without the spaces and tabs around it.
string CT_TrimBlank(const string s)
  {
   int n = StringLen(s);
   int begin = 0, end = n;
   while(begin < end && CT_IsBlank(StringGetCharacter(s, begin)))
      begin++;
   while(end > begin && CT_IsBlank(StringGetCharacter(s, end - 1)))
      end--;
   return StringSubstr(s, begin, end - begin);
  }

class CTServerList
  {
public:
   string            hosts[CT_MAX_SERVERS];
   int               ports[CT_MAX_SERVERS];
   int               count;

                     CTServerList(void) { count = 0; }

   // Parse InpServers; an empty or blank text gives count 0 (use the single host/port).
   bool              Parse(const string text, int defaultPort, string &error)
     {
      count = 0;
      error = "";
      if(CT_TrimBlank(text) == "")
         return true;
      int n = StringLen(text);
      int entries = 1;
      for(int i = 0; i < n; i++)
         if(StringGetCharacter(text, i) == ',')
            entries++;
      if(entries > CT_MAX_SERVERS)
        {
         error = "more than " + IntegerToString(CT_MAX_SERVERS) + " servers listed (" +
                 IntegerToString(entries) + ")";
         return false;
        }
      int start = 0;
      for(int e = 1; e <= entries; e++)
        {
         int comma = StringFind(text, ",", start);
         int stop = comma < 0 ? n : comma;
         string entry = CT_TrimBlank(StringSubstr(text, start, stop - start));
         start = stop + 1;
         string host;
         int port;
         if(!ParseEntry(entry, defaultPort, "entry " + IntegerToString(e), host, port, error))
           {
            count = 0;
            return false;
           }
         string key = host;
         StringToUpper(key);
         for(int k = 0; k < count; k++)
           {
            string other = hosts[k];
            StringToUpper(other);
            if(other == key && ports[k] == port)
              {
               error = "entry " + IntegerToString(e) + ": " + host + ":" + IntegerToString(port) +
                       " is listed twice";
               count = 0;
               return false;
              }
           }
         hosts[count] = host;
         ports[count] = port;
         count++;
        }
      return true;
     }

   // The old single InpHost/InpPort, checked by the same rules.
   bool              Single(const string host, int port, string &error)
     {
      count = 0;
      error = "";
      if(port < 1 || port > 65535)
        {
         error = "the port " + IntegerToString(port) + " is out of range (1-65535)";
         return false;
        }
      string h = CT_TrimBlank(host);
      if(StringFind(h, ":") >= 0)
        {
         error = "the host '" + h + "' contains ':' (put the port in the port input)";
         return false;
        }
      int p;
      if(!ParseEntry(h, port, "the host", hosts[0], p, error))
         return false;
      ports[0] = p;
      count = 1;
      return true;
     }

   string            Address(int i) const
     {
      if(i < 0 || i >= count)
         return "";
      return hosts[i] + ":" + IntegerToString(ports[i]);
     }

   // "host:port,host:port" (the canonical form the tests compare).
   string            Wire(void) const
     {
      string out = "";
      for(int i = 0; i < count; i++)
         out += (i > 0 ? "," : "") + Address(i);
      return out;
     }

   // Which address the next attempt uses: the same after a drop of a logged-in link, the
   // next (wrapping) after an attempt that never reached OK.
   int               NextIndex(int current, bool loggedIn) const
     {
      if(count <= 0)
         return 0;
      return loggedIn ? current % count : (current + 1) % count;
     }

private:
   bool              ParsePort(const string text, const string where, int &port, string &error)
     {
      int n = StringLen(text);
      if(n == 0)
        {
         error = where + ": the port is missing after ':'";
         return false;
        }
      bool digits = n <= 5;
      long value = 0;
      for(int i = 0; i < n && digits; i++)
        {
         ushort c = StringGetCharacter(text, i);
         if(c < '0' || c > '9')
            digits = false;
         else
            value = value * 10 + (c - '0');
        }
      if(!digits)
        {
         error = where + ": the port '" + text + "' is not a number from 1 to 65535";
         return false;
        }
      if(value < 1 || value > 65535)
        {
         error = where + ": the port " + IntegerToString(value) + " is out of range (1-65535)";
         return false;
        }
      port = (int)value;
      return true;
     }

   bool              ParseEntry(const string entry, int defaultPort, const string where,
                                string &host, int &port, string &error)
     {
      int n = StringLen(entry);
      if(n == 0)
        {
         error = where + " is empty";
         return false;
        }
      int colon = -1;
      for(int i = n - 1; i >= 0; i--)
         if(StringGetCharacter(entry, i) == ':')
           {
            colon = i;
            break;
           }
      host = colon < 0 ? entry : StringSubstr(entry, 0, colon);
      if(host == "")
        {
         error = where + ": the host is missing";
         return false;
        }
      if(StringFind(host, ":") >= 0)
        {
         error = where + ": '" + host + "' is not a host name (IPv6 is not supported)";
         return false;
        }
      if(StringLen(host) > CT_MAX_HOST)
        {
         error = where + ": the host is longer than " + IntegerToString(CT_MAX_HOST) + " characters";
         return false;
        }
      for(int i = 0; i < StringLen(host); i++)
         if(!CT_IsHostChar(StringGetCharacter(host, i)))
           {
            error = where + ": the host '" + host + "' contains a character that is not allowed";
            return false;
           }
      if(colon >= 0)
         return ParsePort(StringSubstr(entry, colon + 1), where, port, error);
      if(defaultPort < 1 || defaultPort > 65535)
        {
         error = where + ": no port, and the default port " + IntegerToString(defaultPort) +
                 " is out of range (1-65535)";
         return false;
        }
      port = defaultPort;
      return true;
     }
  };

#endif
