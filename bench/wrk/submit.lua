-- POST /api/v1/submissions with realistic petitions (no attachments), rotating through the three channels.
--   wrk -t 2 -c 50 -d 15s -s bench/wrk/submit.lua http://127.0.0.1:PORT/api/v1/submissions

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

local letters = {
   '{"channel":"petition","subject":"中山路二段路燈不亮","body":"中山路二段與南京東路口的路燈已經三天沒有亮，' ..
      '晚上行人與機車騎士都很危險，附近又有國小，孩子放學時天色已暗。請儘速派員修復，並檢查同一路段其他路燈。",' ..
      '"name":"王小明","email":"citizen@example.tw","phone":"02-2345-6789",' ..
      '"address":"臺北市中正區重慶南路一段122號","consent":true,"language":"zh-TW"}',
   '{"channel":"mailbox","subject":"建議增設公園無障礙坡道","body":"大安森林公園新生南路側入口只有階梯，' ..
      '推嬰兒車與坐輪椅的民眾必須繞行很遠。建議在此入口增設無障礙坡道，並在入口處標示最近的無障礙通道位置。",' ..
      '"name":"林美華","email":"mei.hua.lin@example.com.tw","phone":"0912-345-678",' ..
      '"address":"臺北市大安區新生南路二段1號","consent":true}',
   '{"channel":"complaint","category":"service","subject":"戶政事務所櫃台等候過久","body":"本月十日上午至' ..
      '戶政事務所辦理戶籍謄本，現場只開一個櫃台，等候超過九十分鐘，承辦人員態度也不耐煩。希望機關檢討人力配置' ..
      '與服務態度，並提供線上預約。","name":"陳志明","email":"chen.cm@example.org","phone":"",' ..
      '"address":"","consent":true,"language":"zh-TW"}',
}

local n = 0

function init(args)
   n = (id or 0) * 7
end

function request()
   n = n + 1
   return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, letters[n % #letters + 1])
end
