//+------------------------------------------------------------------+
//| Identity.mqh -- which MT5 account an API key belongs to.          |
//|                                                                  |
//| An API key binds the connection to one trading account on the    |
//| server. The first time an EA runs with a key it records the MT5   |
//| login in MQL5\Files\CopyTrade_<role>_<key hash>.login; later it   |
//| refuses to run with that key on another login (an account switch |
//| in the terminal would otherwise report, or copy into, another     |
//| account's trades under this key).                                 |
//+------------------------------------------------------------------+
#ifndef CT_IDENTITY_MQH
#define CT_IDENTITY_MQH

#include <CopyTrade/Protocol.mqh>

// FNV-1a of the key (32 bits, as 8 hex digits): names the file without revealing the key.
string CT_KeyHash(const string key)
  {
   uint h = 2166136261;
   int n = StringLen(key);
   for(int i = 0; i < n; i++)
     {
      h ^= (uint)StringGetCharacter(key, i);
      h *= 16777619;
     }
   string hex = "";
   for(int i = 7; i >= 0; i--)
     {
      int d = (int)((h >> (i * 4)) & 15);
      hex = hex + StringSubstr("0123456789abcdef", d, 1);
     }
   return hex;
  }

string CT_IdentityFile(const string role, const string key)
  {
   return "CopyTrade_" + role + "_" + CT_KeyHash(key) + ".login";
  }

// True if `login` may use `key`: the first login seen with it, or the same one again.
// `error` explains a refusal.
bool CT_BindLogin(const string role, const string key, long login, string &error)
  {
   error = "";
   string name = CT_IdentityFile(role, key);
   if(FileIsExist(name))
     {
      int h = FileOpen(name, FILE_READ | FILE_TXT | FILE_ANSI);
      if(h != INVALID_HANDLE)
        {
         string text = FileReadString(h);
         FileClose(h);
         long bound = StringToInteger(text);
         if(bound > 0 && bound != login)
           {
            error = "this API key belongs to MT5 account " + IntegerToString(bound) + ", not " +
                    IntegerToString(login) + ": attach the EA with this account's own key (if the key" +
                    " really moved to this account, delete MQL5\\Files\\" + name + ")";
            return false;
           }
         if(bound == login)
            return true;
        }
     }
   int w = FileOpen(name, FILE_WRITE | FILE_TXT | FILE_ANSI);
   if(w != INVALID_HANDLE)
     {
      FileWriteString(w, IntegerToString(login) + "\r\n");
      FileClose(w);
     }
   return true;
  }

#endif
