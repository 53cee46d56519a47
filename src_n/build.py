import json,sys
from pathlib import Path
C=dict(eg='expectation_gap',si='service_inconsistency',sa='service_attitude',wt='waiting_time',sp='service_process',sc='staff_competence',cm='communication',pq='product_quality',up='unfulfilled_promise',dl='delivery_logistics',fs='facility_system_failure',pb='price_billing',pt='policy_terms',ot='other')
D=dict(rf='refund',rr='replacement_repair',cp='compensation',ap='apology',ex='explanation',xp='expedite',mg='escalate_to_manager',ca='cancel_account',st='staff_accountability',fp='fix_process')
S=dict(n='none',l='latent_grumble',e='explicit_grumble',p='potential_complaint',f='formal_complaint')
CH=dict(c='chat',p='phone_transcript',e='email',t='ticket',r='review',s='social_post',v='survey',b='branch_note')
IND=dict(retail_ecommerce='retail',banking_insurance='bank',telecom='tel',travel_hotel='travel',food_delivery='food',utilities='util',healthcare='health',public_services='pub')
root=Path(__file__).resolve().parent.parent
for ind,ab in IND.items():
    src=root/'src_n'/f'{ind}.txt'
    if not src.exists(): continue
    out=[]
    for line in src.read_text(encoding='utf-8').splitlines():
        if not line.strip() or line.startswith('#'): continue
        ch,ca,de,st,text=line.split('|',4)
        causes=sorted(C[x] for x in ca.split(',') if x)
        dem=sorted(D[x] for x in de.split(',') if x)
        rec={"id":f"tr-hans-{ab}-n{len(out)+1:04d}","text":text.strip(),"script":"zh-Hans","industry":ind,"channel":CH[ch],"causes":causes,"demands":dem,"stage":S[st]}
        out.append(json.dumps(rec,ensure_ascii=False))
    (root/'corpus/causes/train'/f'zh-Hans_{ind}_n.jsonl').write_text('\n'.join(out)+'\n',encoding='utf-8')
    print(ind,len(out))
